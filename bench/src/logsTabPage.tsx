/*
 * The browser side of (j): the plugin's real Logs tab on a page of its own,
 * with the real Kli8ntClient opening the real logs WebSocket of the bench
 * relay. Bundled by logsTabBundle.ts; driven by logsTab.ts through
 * `window.kli8ntBench`. The page URL carries `relay` (its port), `token`
 * and `history` (the tail to replay).
 *
 * Everything the tab needs from an app is given by hand (the tab is not a
 * routable extension here): APIs through TestApiProvider, the entity, a
 * router and the Backstage theme.
 */
// The page is bundled for the browser from the plugin's dependencies (and
// those of its own dependencies), not bench's: bench runs in Node.
/* eslint-disable @backstage/no-undeclared-imports, @backstage/no-relative-monorepo-imports, @backstage/no-ui-css-imports-in-non-frontend */
import '@backstage/ui/css/styles.css';
import { createRoot } from 'react-dom/client';
import { MemoryRouter } from 'react-router-dom';
import { UnifiedThemeProvider, themes } from '@backstage/theme';
import { TestApiProvider, mockApis } from '@backstage/frontend-test-utils';
import {
  appTreeApiRef,
  iconsApiRef,
  type AppTree,
} from '@backstage/frontend-plugin-api';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import {
  Kli8ntClient,
  kli8ntApiRef,
  type Kli8ntApi,
} from '@kli8nt/backstage-plugin-kli8nt';
import { LogsTab } from '../../plugins/kli8nt/src/components/LogsTab';
import type { BenchPage, PageEntry } from './logsTabStats';

const params = new URLSearchParams(location.search);
const longTasks: PageEntry[] = [];
const frames: PageEntry[] = [];

// Before anything renders, so that every long task of the tab is seen.
new PerformanceObserver(list => {
  for (const e of list.getEntries()) {
    longTasks.push({ start: e.startTime, duration: e.duration });
  }
}).observe({ type: 'longtask', buffered: true });
if (PerformanceObserver.supportedEntryTypes.includes('long-animation-frame')) {
  new PerformanceObserver(list => {
    for (const e of list.getEntries()) {
      frames.push({ start: e.startTime, duration: e.duration });
    }
  }).observe({ type: 'long-animation-frame', buffered: true });
}

const client = new Kli8ntClient({
  discoveryApi: {
    getBaseUrl: async () =>
      `http://127.0.0.1:${params.get('relay')}/api/kli8nt`,
  },
  fetchApi: { fetch },
  identityApi: {
    getCredentials: async () => ({ token: params.get('token')! }),
  },
});
const history = Number(params.get('history'));
const api: Partial<Kli8ntApi> = {
  listDeployments: async () => ({ items: [] }),
  // The tab asks for its default tail on the first connection; the bench
  // replays the whole history instead (resumes keep their cursor).
  getLogStreamTarget: options =>
    client.getLogStreamTarget(
      options.tail === undefined ? options : { ...options, tail: history },
    ),
};

const entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'bench', namespace: 'default' },
  spec: { type: 'service', owner: 'bench', lifecycle: 'test' },
};

function viewerState() {
  const viewer = document.querySelector('[data-testid="kli8nt-log-viewer"]');
  const count = document.querySelector('[data-testid="kli8nt-log-status"]')
    ?.nextElementSibling?.textContent;
  const list = viewer?.querySelector<HTMLElement>(
    'div[style*="overflow: auto"]',
  );
  const rows = [...(viewer?.querySelectorAll('a[role="row"]') ?? [])].map(r =>
    Number(r.textContent),
  );
  const text = document.body.textContent ?? '';
  return {
    at: performance.now(),
    count: Number(count?.replace(/\D/g, '') ?? 0),
    lastRow: Math.max(0, ...rows),
    atEnd: list
      ? list.scrollHeight - list.scrollTop - list.clientHeight <= 40
      : false,
    paused: /Scrolled up|Paused/.test(text),
    skipped: Number(
      /([\d,]+) lines were skipped/.exec(text)?.[1].replace(/,/g, '') ?? 0,
    ),
  };
}

const page: BenchPage = {
  longTasks,
  frames,
  mount() {
    const root = document.getElementById('root')!;
    createRoot(root).render(
      <MemoryRouter initialEntries={['/catalog/default/component/bench/logs']}>
        <UnifiedThemeProvider theme={themes.light}>
          <TestApiProvider
            apis={[
              [kli8ntApiRef, api],
              mockApis.permission(),
              mockApis.translation(),
              mockApis.error(),
              // The LogViewer asks the app for its Progress component.
              [
                appTreeApiRef,
                {
                  getTree: () => ({
                    tree: { nodes: new Map() } as unknown as AppTree,
                  }),
                },
              ],
              [iconsApiRef, { icon: () => undefined, listIconKeys: () => [] }],
            ]}
          >
            <EntityProvider entity={entity}>
              <LogsTab />
            </EntityProvider>
          </TestApiProvider>
        </UnifiedThemeProvider>
      </MemoryRouter>,
    );
    return performance.now();
  },
  state: viewerState,
};
(window as unknown as { kli8ntBench: BenchPage }).kli8ntBench = page;
