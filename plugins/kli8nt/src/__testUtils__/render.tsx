import type { ReactElement } from 'react';
import { SWRConfig } from 'swr';
import type { Entity } from '@backstage/catalog-model';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { signalApiRef, type SignalApi } from '@backstage/plugin-signals-react';
import type { JsonObject } from '@backstage/types';
import {
  mockApis,
  renderInTestApp,
  type TestAppOptions,
} from '@backstage/frontend-test-utils';
import { kli8ntApiRef, type Kli8ntApi } from '../api/Kli8ntApi';

export const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'hello',
    namespace: 'default',
    annotations: { 'github.com/project-slug': 'acme/hello' },
  },
  spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
};

/** A signal API whose messages the test sends. */
export class FakeSignalApi implements SignalApi {
  readonly #subscribers = new Map<string, Set<(m: JsonObject) => void>>();

  subscribe<T extends JsonObject>(
    channel: string,
    onMessage: (message: T) => void,
  ) {
    const set = this.#subscribers.get(channel) ?? new Set();
    set.add(onMessage as (m: JsonObject) => void);
    this.#subscribers.set(channel, set);
    return {
      unsubscribe: () => set.delete(onMessage as (m: JsonObject) => void),
    };
  }

  publish(channel: string, message: JsonObject) {
    for (const fn of this.#subscribers.get(channel) ?? []) fn(message);
  }
}

export function renderTab(
  element: ReactElement,
  options: {
    api: Kli8ntApi;
    allow?: boolean | ((permission: string) => boolean);
    signals?: FakeSignalApi;
    path?: string;
    mountedRoutes?: TestAppOptions['mountedRoutes'];
  },
) {
  const allow = options.allow ?? true;
  const permission = mockApis.permission({
    authorize: request => {
      const ok =
        typeof allow === 'function' ? allow(request.permission.name) : allow;
      return ok ? AuthorizeResult.ALLOW : AuthorizeResult.DENY;
    },
  });
  const path = options.path ?? '/catalog/default/component/hello/deploy';
  return renderInTestApp(
    // A fresh permission cache per test: usePermission caches with SWR.
    <SWRConfig value={{ provider: () => new Map() }}>
      <EntityProvider entity={entity}>{element}</EntityProvider>
    </SWRConfig>,
    {
      apis: [
        [kli8ntApiRef, options.api],
        permission,
        ...(options.signals ? [[signalApiRef, options.signals] as const] : []),
      ] as any,
      initialRouteEntries: [path],
      mountedRoutes: options.mountedRoutes,
    },
  );
}
