/**
 * The BuildKit build Job on the test world's real node (kubelet +
 * containerd + runc): the Job `desiredJob` renders for `builder: buildkit`,
 * with the images of scripts/images/build-builder-images, runs to
 * completion; the push step's termination message is the registry's
 * manifest digest; a rebuild after a source-only change reports the
 * dependency step CACHED.
 *
 * The one change to the rendered Job: the clone step writes a fixture instead
 * of cloning (same image and security context), since cloning through the
 * local git server is the build role's integration suite's business. The
 * pod also gets the real node's selector and toleration.
 *
 * Needs KLI8NT_TEST_REAL_NODE (testenv up node) and the builder images;
 * skipped without the node unless KLI8NT_TESTENV=required.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import type { V1Job } from '@kubernetes/client-node';
import { desiredBuild, desiredJob } from '../build/desired';
import type { JobConfig } from '../build/jobParts';
import { buildkitJobConfig, buildRequested } from '../build/testFixtures';
import { IMAGES_SCRIPT, parseExports, run } from './__testUtils__/buildah';

const exec = promisify(execFile);
const BUILDERS_SCRIPT = path.resolve(
  __dirname,
  '../../../scripts/images/build-builder-images',
);
const MINUTE = 60_000;
const node = process.env.KLI8NT_TEST_REAL_NODE;
const required = process.env.KLI8NT_TESTENV === 'required';

const DOCKERFILE = `FROM debian:bookworm-slim
COPY deps.txt /app/deps.txt
RUN sleep 3 && cp /app/deps.txt /app/installed.txt
COPY src/ /app/src/
RUN cat /app/src/main.txt /app/installed.txt >/app/built.txt
`;

const SEED_SCRIPT = `set -eu
mkdir -p /workspace/src/src
printf '%s' "$FIXTURE_DOCKERFILE" >/workspace/src/Dockerfile
printf 'left-pad@1.3.0\\n' >/workspace/src/deps.txt
printf '%s\\n' "$FIXTURE_MAIN" >/workspace/src/src/main.txt
`;

(node || required ? describe : describe.skip)(
  'BuildKit build Job on the real node',
  () => {
    const ns = `kli8nt-bk-${randomBytes(3).toString('hex')}`;
    const app = `bk-${randomBytes(3).toString('hex')}`;
    const hostRegistry = process.env.KLI8NT_TEST_REGISTRY!;
    let config: JobConfig;

    const kubectl = async (args: string[], input?: string) => {
      const child = exec('kubectl', args, { maxBuffer: 32 << 20 });
      if (input !== undefined) {
        child.child.stdin!.end(input);
      }
      return (await child).stdout;
    };

    beforeAll(async () => {
      if (!node)
        throw new Error('KLI8NT_TEST_REAL_NODE is not set (testenv up node)');
      for (const script of [IMAGES_SCRIPT, BUILDERS_SCRIPT]) {
        const built = await run(script, [], { timeoutMs: 60 * MINUTE });
        if (built.code !== 0) throw new Error(built.output);
      }
      const images = parseExports((await run(BUILDERS_SCRIPT, ['env'])).output);
      // Pods reach the registry at the node's host address; containerd pulls
      // the 127.0.0.1 references through its own mirror.
      const registry = process.env.KLI8NT_TEST_NODE_REGISTRY!;
      config = {
        ...buildkitJobConfig,
        registry: `${registry}/apps`,
        cacheRepo: `${registry}/kli8nt-cache`,
        insecureRegistry: true,
        dockerHubMirror: registry,
        images: {
          ...buildkitJobConfig.images,
          builder: images.KLI8NT_TEST_BUILDKIT_IMAGE,
          push: images.KLI8NT_TEST_PUSH_IMAGE,
          clone: images.KLI8NT_TEST_CLONE_IMAGE,
        },
        resources: {
          requests: { cpu: '100m', memory: '256Mi' },
          limits: { cpu: '2', memory: '2Gi' },
        },
        workspaceSize: '2Gi',
      };
      await kubectl(['create', 'namespace', ns]);
      await kubectl(
        ['apply', '-n', ns, '-f', '-'],
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: config.pushSecretName },
          type: 'kubernetes.io/dockerconfigjson',
          stringData: { '.dockerconfigjson': '{"auths":{}}' },
        }),
      );
    }, 70 * MINUTE);

    afterAll(async () => {
      await kubectl(['delete', 'namespace', ns, '--wait=false']).catch(
        () => undefined,
      );
    });

    async function buildOnNode(revision: string, main: string) {
      const build = desiredBuild(
        buildRequested({ dockerfilePath: 'Dockerfile' }),
        ns,
      );
      build.metadata.uid = 'uid';
      build.spec.app = app;
      build.spec.revision = revision;
      build.spec.buildArgs = {};
      const job: V1Job = desiredJob(build, config, new Date());
      job.metadata!.name = `${job.metadata!.name}-${revision.slice(0, 6)}`;
      delete job.metadata!.ownerReferences;
      const pod = job.spec!.template.spec!;
      pod.nodeSelector = { 'kli8nt.io/node': 'real' };
      pod.tolerations = [
        {
          key: 'kli8nt.io/node',
          operator: 'Equal',
          value: 'real',
          effect: 'NoSchedule',
        },
      ];
      const clone = pod.initContainers![0];
      clone.command = ['/bin/sh', '-c', SEED_SCRIPT];
      clone.env = [
        { name: 'FIXTURE_DOCKERFILE', value: DOCKERFILE },
        { name: 'FIXTURE_MAIN', value: main },
      ];
      const started = Date.now();
      await kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify(job));
      await kubectl([
        'wait',
        '-n',
        ns,
        `job/${job.metadata!.name}`,
        '--for=condition=Complete',
        '--timeout=600s',
      ]).catch(async error => {
        const pods = await kubectl(['get', 'pods', '-n', ns, '-o', 'yaml']);
        throw new Error(`${error}\n${pods}`);
      });
      const millis = Date.now() - started;
      const pods = JSON.parse(
        await kubectl([
          'get',
          'pods',
          '-n',
          ns,
          '-l',
          `job-name=${job.metadata!.name}`,
          '-o',
          'json',
        ]),
      ).items;
      const podName = pods[0].metadata.name;
      const digest = pods[0].status.containerStatuses[0].state.terminated
        .message as string;
      const buildLog = await kubectl([
        'logs',
        '-n',
        ns,
        podName,
        '-c',
        'buildkit',
      ]);
      return { digest, buildLog, millis };
    }

    async function registryDigest(tag: string) {
      const head = await run('curl', [
        '-fsSI',
        '-H',
        'Accept: application/vnd.oci.image.manifest.v1+json',
        `http://${hostRegistry}/v2/apps/${app}/manifests/${tag}`,
      ]);
      return /docker-content-digest:\s*(\S+)/i.exec(head.output)?.[1];
    }

    it(
      'builds rootless on the node and reports the registry digest, then reuses the cache',
      async () => {
        const first = 'c'.repeat(40);
        const cold = await buildOnNode(first, 'hello');
        expect(cold.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
        expect(await registryDigest(first)).toBe(cold.digest);

        const second = 'd'.repeat(40);
        const warm = await buildOnNode(second, 'hello again');
        expect(await registryDigest(second)).toBe(warm.digest);
        expect(warm.buildLog).toMatch(
          /#(\d+) \[3\/5\] RUN sleep 3[^\n]*\n(?:[^\n]*\n)*?#\1 CACHED/,
        );
        // eslint-disable-next-line no-console
        console.log(
          `BuildKit on the real node: cold Job ${cold.millis} ms, warm Job (source-only change) ${warm.millis} ms`,
        );
      },
      25 * MINUTE,
    );
  },
);
