import {
  buildObjectName,
  createMessage,
  Kli8ntMessage,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import {
  clusterDiagnostics,
  TestGithub,
  waitFor as sharedWaitFor,
  WaitOptions,
} from '@internal/testenv';
import { addRepository } from '@internal/testenv/src/github/repos';
import { randomUUID } from 'node:crypto';
import { sealCloneToken } from '@kli8nt/backstage-plugin-kli8nt-node';
import { buildRequested, TEST_SEALING_KEY } from '../../build/testFixtures';
import { run } from './buildah';
import {
  kubectl,
  messageTap,
  mintCloneAccess,
  NodeBuildWorld,
} from './nodeWorld';

const MINUTE = 60_000;

/**
 * Drives builds as the backend would: pushes a directory as a commit of a
 * private repository, mints a token, publishes BuildRequested with the
 * API's clone URL, and waits for the built or failed report.
 */
export function nodeBuildDriver(
  world: NodeBuildWorld,
  tap: Awaited<ReturnType<typeof messageTap>>,
  github: TestGithub,
  owner: string,
) {
  const { namespace } = world;

  /** The shared wait; a timeout shows the build namespace's pods, Jobs, Builds and events. */
  function waitFor<T>(
    what: string,
    probe: () => Promise<T | undefined | false>,
    options: Omit<WaitOptions, 'diagnose'> = {},
  ) {
    return sharedWaitFor(what, probe, {
      ...options,
      diagnose: () => clusterDiagnostics(namespace, { kinds: ['builds'] }),
    });
  }

  async function pushRepo(name: string, dir: string) {
    const added = await addRepository({
      root: github.gitRoot,
      owner,
      name,
      source: dir,
      private: true,
      mode: 'snapshot',
    });
    return added.sha;
  }

  /** `app` defaults to the repository's name; `sourcePath` to the root. */
  async function requestBuild(
    repo: string,
    sha: string,
    options: { app?: string; sourcePath?: string } = {},
  ) {
    const access = await mintCloneAccess(github, owner, repo);
    if (!access.cloneUrl.startsWith(github.gitUrlNode)) {
      throw new Error(`clone_url ${access.cloneUrl} is not the pods' one`);
    }
    const base = buildRequested();
    const deploymentId = randomUUID();
    const message = createMessage('BuildRequested', {
      deploymentId,
      payload: {
        ...base.payload,
        app: options.app ?? repo,
        entityRef: `component:default/${repo}`,
        cluster: world.cluster,
        repo: { owner, name: repo, cloneUrl: access.cloneUrl },
        revision: sha,
        ...(options.sourcePath ? { sourcePath: options.sourcePath } : {}),
        buildArgs: {},
        sealedCloneToken: sealCloneToken(access.token, TEST_SEALING_KEY, {
          deploymentId,
          owner,
          name: repo,
        }),
      },
    });
    const started = Date.now();
    await tap.publish(world.buildQueue, message);
    return { deploymentId: message.deploymentId, started };
  }

  const messagesFor = (id: string) =>
    tap.received.filter(r => r.message.deploymentId === id);

  /** The built or failed StatusReport of a build. */
  function outcome(id: string, timeoutMs = 15 * MINUTE) {
    return waitFor(
      'the build to end',
      async () =>
        messagesFor(id).find(
          r =>
            r.message.type === 'StatusReport' &&
            (r.message.payload.status === 'built' ||
              r.message.payload.status === 'failed'),
        )?.message,
      { timeoutMs, intervalMs: 1_000 },
    );
  }

  async function podsOf(id: string) {
    const list = JSON.parse(
      await kubectl([
        'get',
        'pods',
        '-n',
        namespace,
        '-l',
        `batch.kubernetes.io/job-name=${buildObjectName(id)}`,
        '-o',
        'json',
      ]),
    );
    return list.items as Array<{
      metadata: { name: string };
      spec: { nodeName?: string };
    }>;
  }

  /**
   * Follows a running build: the node its pod runs on and the BuildKit
   * step's whole log (a succeeded Job is deleted at once, so its log must
   * be read while it runs; in production the log controller ships it).
   */
  async function follow(id: string, timeoutMs = 15 * MINUTE) {
    const deadline = Date.now() + timeoutMs;
    let nodeName: string | undefined;
    while (Date.now() < deadline) {
      const [pod] = await podsOf(id).catch(() => []);
      if (pod) {
        nodeName ??= pod.spec.nodeName;
        const logs = await run(
          'kubectl',
          ['logs', '-f', '-n', namespace, pod.metadata.name, '-c', 'buildkit'],
          { timeoutMs: deadline - Date.now() },
        );
        if (logs.code === 0) return { nodeName, log: logs.output };
      }
      await new Promise(resolve => setTimeout(resolve, 2_000));
    }
    return { nodeName, log: '' };
  }

  async function buildLog(id: string) {
    const [pod] = await podsOf(id);
    return kubectl([
      'logs',
      '-n',
      namespace,
      pod.metadata.name,
      '-c',
      'buildkit',
    ]);
  }

  /** The registry's manifest digest of `apps/<app>:<tag>`, and its layers' size. */
  async function registryImage(app: string, tag: string) {
    const registry = process.env.KLI8NT_TEST_REGISTRY!;
    const head = await run('curl', [
      '-fsSI',
      '-H',
      'Accept: application/vnd.oci.image.manifest.v1+json',
      `http://${registry}/v2/apps/${app}/manifests/${tag}`,
    ]);
    const digest = /docker-content-digest:\s*(\S+)/i.exec(head.output)?.[1];
    const body = await run('curl', [
      '-fsS',
      '-H',
      'Accept: application/vnd.oci.image.manifest.v1+json',
      `http://${registry}/v2/apps/${app}/manifests/${tag}`,
    ]);
    let compressedBytes: number | undefined;
    try {
      const layers: Array<{ size: number }> = JSON.parse(body.output).layers;
      compressedBytes = layers.reduce((sum, l) => sum + l.size, 0);
    } catch {
      compressedBytes = undefined;
    }
    return { digest, compressedBytes };
  }

  return {
    waitFor,
    pushRepo,
    requestBuild,
    outcome,
    podsOf,
    follow,
    buildLog,
    registryImage,
  };
}

export function expectBuilt(message: Kli8ntMessage) {
  if (message.type !== 'StatusReport' || message.payload.status !== 'built') {
    throw new Error(`expected a built report, got ${JSON.stringify(message)}`);
  }
  return message.payload;
}

export function expectFailed(message: Kli8ntMessage) {
  if (message.type !== 'StatusReport') {
    throw new Error(`expected a failed report, got ${JSON.stringify(message)}`);
  }
  return message.payload;
}
