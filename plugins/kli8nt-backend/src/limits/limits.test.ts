import { TestDatabases } from '@backstage/backend-test-utils';
import { Process } from '@kli8nt/backstage-plugin-kli8nt-common';
import { builtReport, startSqliteLedger } from '../__testUtils__/ledger';
import {
  testApp,
  testBuildPayload,
  testDeployment,
} from '../__testUtils__/messages';
import { Kli8ntLimits, appSizeProblem, parseQuantity } from './limits';

const LIMITS: Kli8ntLimits = {
  app: {
    maxCpu: '4',
    maxMemory: '4Gi',
    defaultCpu: '1',
    defaultMemory: '512Mi',
  },
  builds: { perApp: 5, perCluster: 50 },
};
const WEB: Process = { name: 'web', type: 'web', command: ['node', 's.js'] };
const WORKER: Process = {
  name: 'jobs',
  type: 'worker',
  command: ['node', 'w'],
};
const RELEASE: Process = { name: 'migrate', type: 'release', command: ['m'] };

describe('parseQuantity', () => {
  it.each([
    ['500m', 0.5],
    ['2', 2],
    ['1.5', 1.5],
    ['.5', 0.5],
    ['512Mi', 512 * 2 ** 20],
    ['1G', 1e9],
    ['2Ki', 2048],
  ])('%s is %d', (quantity, value) => {
    expect(parseQuantity(quantity)).toBe(value);
  });

  it.each(['', 'abc', '1Xi', '-1', '1e3', '1 Gi'])('refuses %j', bad => {
    expect(() => parseQuantity(bad)).toThrow('is not a Kubernetes quantity');
  });
});

describe('appSizeProblem', () => {
  const app = LIMITS.app;

  it('counts size × replicas at the limit as fitting, one more as not', () => {
    expect(
      appSizeProblem({ replicas: 4, resources: { cpu: '1' } }, undefined, app),
    ).toBeUndefined();
    expect(
      appSizeProblem({ replicas: 8, resources: { cpu: '500m' } }, [], app),
    ).toBeUndefined();
    expect(
      appSizeProblem({ replicas: 5, resources: { cpu: '800m' } }, [], app),
    ).toBeUndefined();
    expect(
      appSizeProblem({ replicas: 3, resources: { cpu: '100m' } }, [], {
        ...app,
        maxCpu: '300m',
      }),
    ).toBeUndefined();
    expect(
      appSizeProblem({ replicas: 5, resources: { cpu: '1' } }, undefined, app),
    ).toBe(
      'The app would use 1 CPU × 5 replicas, more than the 4 an app may have (kli8nt.limits.app.maxCpu): lower the replicas or the CPU size, or ask the platform team',
    );
  });

  it('counts an unset size at the default, and memory on its own', () => {
    expect(appSizeProblem({ replicas: 5 }, undefined, app)).toContain('maxCpu');
    expect(
      appSizeProblem(
        { replicas: 3, resources: { cpu: '1', memory: '1.5Gi' } },
        undefined,
        app,
      ),
    ).toContain('1.5Gi memory × 3 replicas, more than the 4Gi');
  });

  it('counts every web and worker process, never the release Job', () => {
    const settings = { replicas: 2, resources: { cpu: '1' } };
    expect(appSizeProblem(settings, [WEB, RELEASE], app)).toBeUndefined();
    expect(appSizeProblem(settings, [WEB, WORKER], app)).toBeUndefined();
    expect(appSizeProblem(settings, [WEB, WORKER, RELEASE, WORKER], app)).toBe(
      'The app would use 1 CPU × 2 replicas × 3 processes, more than the 4 an app may have (kli8nt.limits.app.maxCpu): lower the replicas or the CPU size, or ask the platform team',
    );
  });
});

describe('the ledger with limits', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

  it('fails a build whose processes take the app over its size, and rolls nothing out', async () => {
    const { knex, ledger } = await startSqliteLedger(databases, {
      limits: LIMITS,
    });
    const app = {
      ...testApp,
      settings: { ...testApp.settings, replicas: 3 },
    };
    const accepted = await ledger.accept({
      app,
      deployment: testDeployment(),
      build: testBuildPayload(),
    });
    const ended = await ledger.record(
      builtReport(accepted.id, 'shop', [WEB, WORKER]),
    );
    expect(ended).toMatchObject({
      status: 'failed',
      reason: 'LimitExceeded',
      message: expect.stringContaining(
        '1 CPU × 3 replicas × 2 processes, more than the 4',
      ),
    });
    const queues = (await knex('outbox').select('queue')).map(r => r.queue);
    expect(queues).toEqual(['build.default']);
    expect(
      (await knex('deployments').where({ id: accepted.id }).first())
        .rollout_sequence,
    ).toBeNull();
  });
});
