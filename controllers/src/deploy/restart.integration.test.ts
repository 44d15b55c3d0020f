import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { isNotFound } from '../runtime';
import { reportMessageId } from '../runtime/reportIds';
import { App } from './types';
import {
  TestBus,
  createNamespace,
  deleteNamespace,
  describeWithCluster,
  installCrds,
  requireCluster,
  testConfig,
  testEnv,
  testKubeConfig,
  testNames,
  waitFor,
} from './__testUtils__/cluster';
import { buildRollout } from './__testUtils__/fixtures';

jest.setTimeout(240_000);

const MAIN = resolve(__dirname, '../main.ts');

/** The controllers image's entry point, `kli8nt-controller deploy`. */
function startProcess(
  env: Record<string, string>,
  log: string[],
): ChildProcess {
  const child = spawn(
    process.execPath,
    [
      '--require',
      require.resolve('@backstage/cli/config/nodeTransform.cjs'),
      MAIN,
      'deploy',
    ],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', chunk => log.push(String(chunk)));
  child.stderr!.on('data', chunk => log.push(String(chunk)));
  return child;
}

async function kill(child: ChildProcess | undefined) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise(r => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

describeWithCluster('deploy controller killed mid-rollout', () => {
  const names = testNames('deploy-kill');
  const pool = `pool-${names.suffix}`;
  const nodeName = `kwok-${names.suffix}`;
  // Pods wait for a node of this pool, which appears only after the kill.
  const config = testConfig(names, {
    nodeSelector: { 'kli8nt.test/pool': pool },
  });
  const kubeConfig = testKubeConfig();
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const ns = names.namespace;
  const log: string[] = [];
  let bus: TestBus;
  let first: ChildProcess | undefined;
  let second: ChildProcess | undefined;

  beforeAll(async () => {
    requireCluster();
    await installCrds(kubeConfig);
    await createNamespace(kubeConfig, ns);
    bus = await TestBus.create(names);
  });

  afterAll(async () => {
    await kill(first);
    await kill(second);
    await bus?.close();
    try {
      await core.deleteNode({ name: nodeName });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    await deleteNamespace(kubeConfig, ns);
  });

  it('reports live exactly once after a restart', async () => {
    const id = randomUUID();
    first = startProcess(testEnv(config), log);
    await bus.send(buildRollout({ deploymentId: id, cluster: names.cluster }));
    await bus.waitForStatus(id, 'deploying', 90_000).catch(error => {
      throw new Error(`${error.message}\ncontroller log:\n${log.join('')}`);
    });
    // Kill only once the report is recorded, mid-rollout: the pods are
    // still pending for want of a node.
    await waitFor('deploying recorded in the App status', async () => {
      const app = (await custom.getNamespacedCustomObject({
        group: 'kli8nt.io',
        version: 'v1alpha1',
        namespace: ns,
        plural: 'apps',
        name: 'shop',
      })) as App;
      return app.status?.report?.status === 'deploying';
    });
    await kill(first);

    await core.createNode({
      body: {
        metadata: {
          name: nodeName,
          annotations: {
            'kwok.x-k8s.io/node': 'fake',
            'node.alpha.kubernetes.io/ttl': '0',
          },
          labels: {
            'kubernetes.io/hostname': nodeName,
            'kubernetes.io/os': 'linux',
            'kli8nt.test/pool': pool,
            type: 'kwok',
          },
        },
      },
    });
    expect(bus.statusesOf(id)).toEqual(['deploying']);

    second = startProcess(testEnv(config), log);
    const live = await bus.waitForStatus(id, 'live', 120_000).catch(error => {
      throw new Error(`${error.message}\ncontroller log:\n${log.join('')}`);
    });
    // The successor keyed its report with the key the first one stored.
    const { reportKey } = (
      (await custom.getNamespacedCustomObject({
        group: 'kli8nt.io',
        version: 'v1alpha1',
        namespace: ns,
        plural: 'apps',
        name: 'shop',
      })) as App
    ).status!;
    expect(bus.reportsFor(id).map(r => r.messageId)).toEqual([
      reportMessageId(reportKey!, 'deploy', id, 'deploying'),
      reportMessageId(reportKey!, 'deploy', id, 'live'),
    ]);
    expect(live.messageId).toBe(
      reportMessageId(reportKey!, 'deploy', id, 'live'),
    );
    await new Promise(r => setTimeout(r, 3000));
    expect(bus.statusesOf(id)).toEqual(['deploying', 'live']);
  });
});
