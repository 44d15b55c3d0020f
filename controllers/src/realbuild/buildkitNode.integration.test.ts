/**
 * The build role end to end on the test world's real node (kubelet +
 * containerd + runc), with BuildKit: fixture repositories are pushed to the
 * local GitHub as PRIVATE repositories; a GitHub App installation token is
 * minted from the fake; BuildRequested messages go through a real
 * BuildController on the real RabbitMQ; the Job's real clone (with the
 * token, trusting the git server's CA through KLI8NT_BUILD_CA_CONFIGMAP),
 * detect (kli8nt-detect), BuildKit and push run on the real node, placed
 * there by KLI8NT_BUILD_NODE_SELECTOR and KLI8NT_BUILD_TOLERATIONS. RUN
 * steps reach package registries only through the egress proxy
 * (build.proxy).
 *
 * Needs KLI8NT_TEST_REAL_NODE, the local GitHub and the builder images
 * (scripts/images/prepare builds them; `build-builder-images env` names
 * them). Skipped without the node unless KLI8NT_TESTENV=required.
 */
import {
  buildObjectName,
  createMessage,
  Kli8ntMessage,
} from '@internal/backstage-plugin-kli8nt-common';
import { readTestEnv, waitFor } from '@internal/testenv';
import { addRepository } from '@internal/testenv/src/github/repos';
import { randomBytes, randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BuildConfig } from '../config';
import { parseTolerations } from '../runtime/tolerations';
import { buildkitJobConfig, buildRequested } from '../build/testFixtures';
import { parseExports, REPO_ROOT, run } from './__testUtils__/buildah';
import {
  kubectl,
  messageTap,
  mintCloneAccess,
  startBuildController,
} from './__testUtils__/nodeWorld';

const BUILDERS_SCRIPT = path.join(
  REPO_ROOT,
  'scripts/images/build-builder-images',
);
const MINUTE = 60_000;
const te = readTestEnv();
const node = process.env.KLI8NT_TEST_REAL_NODE;
const required = process.env.KLI8NT_TESTENV === 'required';

/** Fetches from the npm registry through the proxy, tries a host the proxy refuses, then fails. */
// The build stage image (it trusts the machine's extra CAs, see
// scripts/images/README.md), as generated Dockerfiles use it.
const BROKEN_DOCKERFILE = `FROM node:22.23-bookworm
RUN v=$(npm view left-pad@1.3.0 version --fetch-retries=0) && echo "allowed registry says: $v"
RUN npm view left-pad version --registry=http://refused.example.com/ --fetch-retries=0 \\
    || echo "refused host failed with $?"
RUN echo "about to fail" && exit 3
`;
const SLOW_DOCKERFILE = `FROM debian:bookworm-slim
RUN sleep 600
`;

(node || required ? describe : describe.skip)(
  'build role on the real node (BuildKit, local GitHub, egress proxy)',
  () => {
    const suffix = randomBytes(3).toString('hex');
    const namespace = `kli8nt-bk-${suffix}`;
    const cluster = `bk-${suffix}`;
    const owner = `bk-org-${suffix}`;
    const informQueue = `inform.${cluster}`;
    const deployQueue = `deploy.${cluster}`;
    const buildQueue = `build.${cluster}`;
    const hostRegistry = process.env.KLI8NT_TEST_REGISTRY!;
    let config: BuildConfig;
    let tap: Awaited<ReturnType<typeof messageTap>>;
    let controller: { stop(): Promise<void> } | undefined;
    const work = mkdtempSync(path.join(tmpdir(), 'kli8nt-bk-'));

    beforeAll(async () => {
      if (!node || !te?.github || !te.egressProxyNode) {
        throw new Error(
          'needs KLI8NT_TEST_REAL_NODE, KLI8NT_TEST_GITHUB_* and KLI8NT_TEST_EGRESS_PROXY_NODE (testenv up)',
        );
      }
      const listed = await run(BUILDERS_SCRIPT, ['env']);
      if (listed.code !== 0) {
        throw new Error(`run scripts/images/prepare first:\n${listed.output}`);
      }
      const images = parseExports(listed.output);
      const registry = process.env.KLI8NT_TEST_NODE_REGISTRY!;
      const nodeHost = process.env.KLI8NT_TEST_NODE_HOST_IP!;
      const tolerations = parseTolerations('kli8nt.io/node=real:NoSchedule');
      if (!('tolerations' in tolerations)) throw new Error('bad toleration');
      const amqp = {
        url: process.env.KLI8NT_TEST_AMQP_URL!,
        exchange: `kli8nt.bk.${suffix}`,
        deadLetterExchange: `kli8nt.bk.${suffix}.dlx`,
        deadLetterQueue: `kli8nt.bk.${suffix}.dlq`,
        deliveryLimit: 5,
        prefetch: 10,
        reconnect: { initialDelayMs: 100, maxDelayMs: 1_000 },
      };
      config = {
        ...buildkitJobConfig,
        clusters: [cluster],
        namespace,
        amqp,
        digestGraceMs: 30_000,
        registry: `${registry}/apps`,
        cacheRepo: `${registry}/kli8nt-cache`,
        insecureRegistry: true,
        dockerHubMirror: registry,
        images: {
          builder: images.KLI8NT_TEST_BUILDKIT_IMAGE,
          push: images.KLI8NT_TEST_PUSH_IMAGE,
          clone: images.KLI8NT_TEST_CLONE_IMAGE,
          detect: images.KLI8NT_TEST_DETECT_IMAGE,
        },
        resources: {
          requests: { cpu: '100m', memory: '256Mi' },
          limits: { cpu: '2', memory: '2Gi' },
        },
        // Rootless BuildKit unpacks node:22-bookworm (1 GB) more than once:
        // at 4Gi the kubelet evicted the pod.
        workspaceSize: '12Gi',
        deadlineSeconds: 900,
        nodeSelector: { 'kli8nt.io/node': 'real' },
        tolerations: tolerations.tolerations,
        caConfigMap: 'git-ca',
        proxy: {
          httpProxy: te.egressProxyNode,
          httpsProxy: te.egressProxyNode,
          // The git server and the registry are the test world's own.
          noProxy: `${nodeHost},127.0.0.1,localhost,.svc,.cluster.local`,
        },
      };
      const crd = readFileSync(
        path.join(REPO_ROOT, 'charts/kli8nt/crds/build.yaml'),
        'utf8',
      );
      await kubectl(['apply', '-f', '-'], crd);
      await kubectl(['create', 'namespace', namespace]);
      await kubectl(
        ['apply', '-n', namespace, '-f', '-'],
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'List',
          items: [
            {
              apiVersion: 'v1',
              kind: 'Secret',
              metadata: { name: config.pushSecretName },
              type: 'kubernetes.io/dockerconfigjson',
              stringData: { '.dockerconfigjson': '{"auths":{}}' },
            },
            {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              metadata: { name: 'git-ca' },
              data: { 'ca.crt': readFileSync(te.github.caFile, 'utf8') },
            },
          ],
        }),
      );
      tap = await messageTap(amqp, [informQueue, deployQueue]);
      controller = await startBuildController(config, informQueue);
    }, 5 * MINUTE);

    afterAll(async () => {
      await controller?.stop();
      await tap?.close();
      await kubectl(['delete', 'namespace', namespace, '--wait=false']).catch(
        () => undefined,
      );
    });

    /** Pushes `dir` as a new commit of the private repository `name`. */
    async function pushRepo(name: string, dir: string) {
      const added = await addRepository({
        root: te!.github!.gitRoot,
        owner,
        name,
        source: dir,
        private: true,
        mode: 'snapshot',
      });
      return added.sha;
    }

    /** A BuildRequested as the backend sends it: minted token, API clone URL. */
    async function requestBuild(repo: string, sha: string) {
      const access = await mintCloneAccess(te!.github!, owner, repo);
      expect(access.cloneUrl.startsWith(te!.github!.gitUrlNode)).toBe(true);
      const base = buildRequested();
      const message = createMessage('BuildRequested', {
        deploymentId: randomUUID(),
        payload: {
          ...base.payload,
          app: repo,
          entityRef: `component:default/${repo}`,
          cluster,
          repo: { owner, name: repo, cloneUrl: access.cloneUrl },
          revision: sha,
          buildArgs: {},
          cloneToken: access.token,
        },
      });
      const started = Date.now();
      await tap.publish(buildQueue, message);
      return { deploymentId: message.deploymentId, started };
    }

    const messagesFor = (id: string) =>
      tap.received.filter(r => r.message.deploymentId === id);

    async function outcome(id: string, timeoutMs = 12 * MINUTE) {
      return waitFor(
        'the build to end',
        async () =>
          messagesFor(id).find(
            r =>
              r.message.type === 'ImageBuilt' ||
              (r.message.type === 'StatusReport' &&
                r.message.payload.status === 'failed'),
          )?.message,
        {
          timeoutMs,
          intervalMs: 1_000,
          diagnose: async () =>
            kubectl(['get', 'pods,jobs,builds', '-n', namespace, '-o', 'wide']),
        },
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

    async function registryDigest(app: string, tag: string) {
      const head = await run('curl', [
        '-fsSI',
        '-H',
        'Accept: application/vnd.oci.image.manifest.v1+json',
        `http://${hostRegistry}/v2/apps/${app}/manifests/${tag}`,
      ]);
      return /docker-content-digest:\s*(\S+)/i.exec(head.output)?.[1];
    }

    function expectBuilt(message: Kli8ntMessage) {
      if (message.type !== 'ImageBuilt') {
        throw new Error(`expected ImageBuilt, got ${JSON.stringify(message)}`);
      }
      return message.payload;
    }

    it(
      'clones a private repo with a minted token, detects, builds, pushes; a source-only rebuild hits the cache',
      async () => {
        const dir = path.join(work, 'web');
        cpSync(path.join(REPO_ROOT, 'controllers/fixtures/node-npm'), dir, {
          recursive: true,
        });
        const first = await pushRepo('web', dir);
        const cold = await requestBuild('web', first);
        const built = expectBuilt(await outcome(cold.deploymentId));
        const coldMs = Date.now() - cold.started;
        expect(built.plan).toMatchObject({ stack: 'node', port: 8080 });
        expect(built.imageDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
        expect(await registryDigest('web', first)).toBe(built.imageDigest);
        const [pod] = await podsOf(cold.deploymentId);
        expect(pod.spec.nodeName).toBe(node);

        writeFileSync(
          path.join(dir, 'server.js'),
          `${readFileSync(path.join(dir, 'server.js'), 'utf8')}\n// changed\n`,
        );
        const second = await pushRepo('web', dir);
        expect(second).not.toBe(first);
        const warm = await requestBuild('web', second);
        const rebuilt = expectBuilt(await outcome(warm.deploymentId));
        const warmMs = Date.now() - warm.started;
        expect(await registryDigest('web', second)).toBe(rebuilt.imageDigest);
        expect(rebuilt.imageDigest).not.toBe(built.imageDigest);
        const log = await buildLog(warm.deploymentId);
        // The dependency step of the generated Dockerfile, from the cache.
        expect(log).toMatch(
          /#(\d+) \[deps \d\/\d\] RUN \["npm", "ci"\][^\n]*\n(?:[^\n]*\n)*?#\1 CACHED/,
        );
        // eslint-disable-next-line no-console
        console.log(
          `BuildKit on the real node (node-npm, BuildRequested to ImageBuilt): cold ${coldMs} ms, warm ${warmMs} ms`,
        );
      },
      25 * MINUTE,
    );

    it(
      'reports a failing build with its last lines; RUN steps reach npm only through the proxy',
      async () => {
        const dir = path.join(work, 'broken');
        cpSync(path.join(REPO_ROOT, 'controllers/fixtures/node-npm'), dir, {
          recursive: true,
        });
        writeFileSync(path.join(dir, 'Dockerfile'), BROKEN_DOCKERFILE);
        const { deploymentId } = await requestBuild(
          'broken',
          await pushRepo('broken', dir),
        );
        const failed = await outcome(deploymentId);
        if (failed.type !== 'StatusReport') throw new Error(failed.type);
        expect(failed.payload).toMatchObject({ status: 'failed' });
        expect(failed.payload.reason).toBe('BuildFailed');
        expect(failed.payload.message).toMatch(/^buildkit exited with code 1/);
        expect(failed.payload.message).toContain('about to fail');
        expect(failed.payload.message).toMatch(/exit code: 3/);

        const log = await buildLog(deploymentId);
        expect(log).toContain('allowed registry says: 1.3.0');
        expect(log).toMatch(/E403|403 Forbidden|statusCode=403/);
        expect(log).toMatch(/refused host failed with [1-9]/);
        const proxyLog = readFileSync(
          path.join(
            process.env.KLI8NT_TESTENV_RUN ?? '',
            'logs/egress-proxy.log',
          ),
          'utf8',
        );
        expect(proxyLog).toMatch(/refused\.example\.com/);
      },
      15 * MINUTE,
    );

    it(
      'kills a build past its deadline, reports it failed and leaves no pod',
      async () => {
        await controller?.stop();
        controller = await startBuildController(
          { ...config, deadlineSeconds: 60 },
          informQueue,
        );
        const dir = path.join(work, 'slow');
        cpSync(path.join(REPO_ROOT, 'controllers/fixtures/node-npm'), dir, {
          recursive: true,
        });
        writeFileSync(path.join(dir, 'Dockerfile'), SLOW_DOCKERFILE);
        const { deploymentId, started } = await requestBuild(
          'slow',
          await pushRepo('slow', dir),
        );
        await waitFor(
          'the build pod to run on the node',
          async () => (await podsOf(deploymentId)).length > 0,
          { timeoutMs: 2 * MINUTE },
        );
        const failed = await outcome(deploymentId, 5 * MINUTE);
        if (failed.type !== 'StatusReport') throw new Error(failed.type);
        expect(failed.payload).toMatchObject({
          status: 'failed',
          reason: 'DeadlineExceeded',
        });
        expect(failed.payload.message).toContain(
          'The build did not finish within its deadline',
        );
        expect(Date.now() - started).toBeGreaterThanOrEqual(55_000);
        await waitFor(
          'the pod to be gone',
          async () => (await podsOf(deploymentId)).length === 0,
          { timeoutMs: 2 * MINUTE },
        );
      },
      10 * MINUTE,
    );
  },
);
