import { screen, waitFor } from '@testing-library/react';
import type { Entity } from '@backstage/catalog-model';
import {
  createExtensionTester,
  type ExtensionTester,
} from '@backstage/frontend-test-utils';
import {
  ApiBlueprint,
  coreExtensionData,
  discoveryApiRef,
  fetchApiRef,
  identityApiRef,
  type AnyApiFactory,
} from '@backstage/frontend-plugin-api';
import { EntityContentBlueprint } from '@backstage/plugin-catalog-react/alpha';
import alphaPlugin from './alpha';
import {
  EntityKli8ntDeployContent,
  EntityKli8ntLogsContent,
  isKli8ntAvailable,
  kli8ntApiRef,
  kli8ntPlugin,
  type Kli8ntApi,
} from './index';
import { makeSettings } from './__testUtils__/FakeKli8ntApi';
import { FakeLogServer } from './__testUtils__/FakeLogServer';
import { renderTab } from './__testUtils__/render';

// Rendering a whole app per test is slow on small CI machines.
jest.setTimeout(30_000);

const entity = (annotations: Record<string, string>) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'a', annotations },
});

const json = (body: unknown, status = 200) =>
  ({
    ok: status < 400,
    status,
    statusText: status < 400 ? 'OK' : 'Not Found',
    json: async () => body,
    text: async () => JSON.stringify(body),
    headers: new Map([['content-type', 'application/json']]),
  } as unknown as Response);

/**
 * The dependencies the plugin's API factory asks for: a backend at
 * `baseUrl` that has no deployments yet, and a signed-in user.
 */
function backendAt(baseUrl: string) {
  const requests: string[] = [];
  const answers: Record<string, unknown> = {
    '/deployments': { items: [] },
    '/apps/settings': makeSettings(),
    '/branches': {
      items: [{ name: 'main', commitSha: 'c'.repeat(40), isDefault: true }],
    },
  };
  const deps = {
    discoveryApi: { getBaseUrl: async (id: string) => `${baseUrl}/${id}` },
    fetchApi: {
      fetch: async (url: string, init?: RequestInit) => {
        const { pathname } = new URL(url);
        requests.push(`${init?.method ?? 'GET'} ${pathname}`);
        const answer = answers[pathname.replace(/^\/api\/kli8nt/, '')];
        return answer === undefined
          ? json({ error: { name: 'NotFoundError', message: pathname } }, 404)
          : json(answer);
      },
    },
    identityApi: { getCredentials: async () => ({ token: 'user-token' }) },
  };
  return { deps, requests };
}

/** Builds the API the way the app would, from the plugin's own factory. */
function apiFrom(factory: AnyApiFactory, deps: object): Kli8ntApi {
  expect(factory.api.id).toBe(kli8ntApiRef.id);
  expect(Object.values(factory.deps).map(ref => ref.id)).toEqual([
    discoveryApiRef.id,
    fetchApiRef.id,
    identityApiRef.id,
  ]);
  return factory.factory(deps as any) as Kli8ntApi;
}

const alphaApiFactory = () =>
  createExtensionTester(alphaPlugin.getExtension('api:kli8nt')).get(
    ApiBlueprint.dataRefs.factory,
  );

const legacyApiFactory = () => {
  const factories = [...kli8ntPlugin.getApis()];
  expect(factories).toHaveLength(1);
  return factories[0];
};

describe('kli8nt plugin', () => {
  let logs: FakeLogServer;
  let baseUrl: string;
  beforeEach(async () => {
    logs = new FakeLogServer();
    // The logs WebSocket and the REST API share the backend's base URL.
    const streamUrl = await logs.start();
    baseUrl = streamUrl
      .replace(/^ws:/, 'http:')
      .replace(/\/kli8nt\/logs\/stream$/, '');
  });
  afterEach(() => logs.stop());

  describe('new frontend system (./alpha)', () => {
    function tabOf(tester: ExtensionTester<any>) {
      const filter = tester.get(
        EntityContentBlueprint.dataRefs.filterFunction,
      ) as ((e: Entity) => boolean) | undefined;
      return {
        path: tester.get(coreExtensionData.routePath),
        title: tester.get(EntityContentBlueprint.dataRefs.title),
        withGithubSource: filter?.(
          entity({ 'github.com/project-slug': 'a/b' }),
        ),
        withoutGithubSource: filter?.(entity({})),
      };
    }

    it('declares the Deploy and Logs tabs for entities with a GitHub source', () => {
      expect(alphaPlugin.pluginId).toBe('kli8nt');
      expect(
        tabOf(
          createExtensionTester(
            alphaPlugin.getExtension('entity-content:kli8nt/deploy'),
          ),
        ),
      ).toEqual({
        path: '/deploy',
        title: 'Deploy',
        withGithubSource: true,
        withoutGithubSource: false,
      });
      expect(
        tabOf(
          createExtensionTester(
            alphaPlugin.getExtension('entity-content:kli8nt/logs'),
          ),
        ),
      ).toEqual({
        path: '/logs',
        title: 'Logs',
        withGithubSource: true,
        withoutGithubSource: false,
      });
    });

    it('renders the Deploy tab against the backend through its own API', async () => {
      const backend = backendAt(baseUrl);
      const api = apiFrom(alphaApiFactory(), backend.deps);
      const tab = createExtensionTester(
        alphaPlugin.getExtension('entity-content:kli8nt/deploy'),
      ).reactElement();
      renderTab(tab, { api });

      expect(await screen.findByText('Not deployed yet')).toBeInTheDocument();
      expect(
        await screen.findByRole('heading', { name: 'Settings' }),
      ).toBeInTheDocument();
      expect(backend.requests).toEqual(
        expect.arrayContaining([
          'GET /api/kli8nt/deployments',
          'GET /api/kli8nt/apps/settings',
        ]),
      );
    });

    it('renders the Logs tab, which follows the logs WebSocket with the user token', async () => {
      const backend = backendAt(baseUrl);
      const api = apiFrom(alphaApiFactory(), backend.deps);
      const tab = createExtensionTester(
        alphaPlugin.getExtension('entity-content:kli8nt/logs'),
      ).reactElement();
      renderTab(tab, { api, path: '/catalog/default/component/hello/logs' });

      expect(await screen.findByText(/No log lines yet/)).toBeInTheDocument();
      await waitFor(() =>
        expect(screen.getByTestId('kli8nt-log-status')).toHaveTextContent(
          'Live',
        ),
      );
      expect(logs.connections[0].protocol).toBe('kli8nt.token.user-token');
      expect(logs.connections[0].query.get('entityRef')).toBe(
        'component:default/hello',
      );
    });
  });

  describe('legacy frontend system (.)', () => {
    it('renders the Deploy tab as a routable extension', async () => {
      const backend = backendAt(baseUrl);
      const api = apiFrom(legacyApiFactory(), backend.deps);
      renderTab(<EntityKli8ntDeployContent />, {
        api,
        mountedRoutes: {
          '/catalog/default/component/hello/deploy': kli8ntPlugin.routes.deploy,
        },
      });
      expect(await screen.findByText('Not deployed yet')).toBeInTheDocument();
      expect(backend.requests).toContain('GET /api/kli8nt/deployments');
    });

    it('renders the Logs tab as a routable extension', async () => {
      const backend = backendAt(baseUrl);
      const api = apiFrom(legacyApiFactory(), backend.deps);
      renderTab(<EntityKli8ntLogsContent />, {
        api,
        path: '/catalog/default/component/hello/logs',
        mountedRoutes: {
          '/catalog/default/component/hello/logs': kli8ntPlugin.routes.logs,
        },
      });
      expect(await screen.findByText(/No log lines yet/)).toBeInTheDocument();
      await waitFor(() => expect(logs.connections).toHaveLength(1));
    });

    it('shows the tabs only for entities with a GitHub source', () => {
      expect(
        isKli8ntAvailable(entity({ 'github.com/project-slug': 'a/b' })),
      ).toBe(true);
      expect(isKli8ntAvailable(entity({}))).toBe(false);
    });
  });
});
