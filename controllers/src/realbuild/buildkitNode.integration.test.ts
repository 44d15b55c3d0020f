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
import { createMessage } from '@kli8nt/backstage-plugin-kli8nt-common';
import { randomBytes } from 'node:crypto';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../__testUtils__/tempDir';
import { REPO_ROOT } from './__testUtils__/buildah';
import { expectBuilt, expectFailed } from './__testUtils__/nodeBuilds';
import {
  describeOnRealNode,
  NodeBuildSuite,
  realNode as node,
  startNodeBuildSuite,
} from './__testUtils__/nodeSuite';
import { NodeBuildWorld } from './__testUtils__/nodeWorld';

const MINUTE = 60_000;

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
/** Writes 1 GiB into the build's state and stays, so the kubelet sees it. */
const FILLING_DOCKERFILE = `FROM debian:bookworm-slim
RUN dd if=/dev/zero of=/fill bs=1M count=1024 && sleep 600
`;

describeOnRealNode(
  'build role on the real node (BuildKit, local GitHub, egress proxy)',
  () => {
    const suffix = randomBytes(3).toString('hex');
    const owner = `bk-org-${suffix}`;
    let suite: NodeBuildSuite | undefined;
    let world: NodeBuildWorld;
    let tap: NodeBuildSuite['tap'];
    let builds: NodeBuildSuite['builds'];
    // Made in beforeAll: a skipped suite runs no hooks, so nothing would remove it.
    let work = '';

    beforeAll(async () => {
      work = tempDir('kli8nt-bk-');
      suite = await startNodeBuildSuite({
        suffix,
        owner,
        tapQueues: w => [`deploy.${w.cluster}`],
      });
      ({ world, tap, builds } = suite);
    }, 5 * MINUTE);

    afterAll(async () => {
      await suite?.stop();
    });

    /** A copy of the node-npm fixture, optionally with its own Dockerfile. */
    function fixture(name: string, dockerfile?: string) {
      const dir = path.join(work, name);
      cpSync(path.join(REPO_ROOT, 'controllers/fixtures/node-npm'), dir, {
        recursive: true,
      });
      if (dockerfile) writeFileSync(path.join(dir, 'Dockerfile'), dockerfile);
      return dir;
    }

    it(
      'clones a private repo with a minted token, detects, builds, pushes; a source-only rebuild hits the cache',
      async () => {
        const dir = fixture('web');
        const first = await builds.pushRepo('web', dir);
        const cold = await builds.requestBuild('web', first);
        const coldRun = builds.follow(cold.deploymentId);
        const built = expectBuilt(await builds.outcome(cold.deploymentId));
        const coldMs = Date.now() - cold.started;
        expect(built.plan).toMatchObject({ stack: 'node', port: 8080 });
        expect(built.imageDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
        expect((await builds.registryImage('web', first)).digest).toBe(
          built.imageDigest,
        );
        expect((await coldRun).nodeName).toBe(node);

        writeFileSync(
          path.join(dir, 'server.js'),
          `${readFileSync(path.join(dir, 'server.js'), 'utf8')}\n// changed\n`,
        );
        const second = await builds.pushRepo('web', dir);
        expect(second).not.toBe(first);
        const warm = await builds.requestBuild('web', second);
        const warmRun = builds.follow(warm.deploymentId);
        const rebuilt = expectBuilt(await builds.outcome(warm.deploymentId));
        const warmMs = Date.now() - warm.started;
        expect((await builds.registryImage('web', second)).digest).toBe(
          rebuilt.imageDigest,
        );
        expect(rebuilt.imageDigest).not.toBe(built.imageDigest);
        const { log } = await warmRun;
        // The dependency step of the generated Dockerfile, from the cache.
        expect(log).toMatch(
          /#(\d+) \[deps \d\/\d\] RUN \["npm", "ci"\][^\n]*\n(?:[^\n]*\n)*?#\1 CACHED/,
        );
        // eslint-disable-next-line no-console
        console.log(
          `BuildKit on the real node (node-npm, BuildRequested to built): cold ${coldMs} ms, warm ${warmMs} ms`,
        );
      },
      25 * MINUTE,
    );

    it(
      'reports a failing build with its last lines; RUN steps reach npm only through the proxy',
      async () => {
        const dir = fixture('broken', BROKEN_DOCKERFILE);
        const { deploymentId } = await builds.requestBuild(
          'broken',
          await builds.pushRepo('broken', dir),
        );
        const failed = expectFailed(await builds.outcome(deploymentId));
        expect(failed).toMatchObject({
          status: 'failed',
          reason: 'BuildFailed',
        });
        expect(failed.message).toMatch(/^buildkit exited with code 1/);
        expect(failed.message).toContain('about to fail');
        expect(failed.message).toMatch(/exit code: 3/);

        const log = await builds.buildLog(deploymentId);
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
      'cancel of a running build deletes its Job and its pod on the node, and reports cancelled',
      async () => {
        const dir = fixture('sleepy', SLOW_DOCKERFILE);
        const { deploymentId, started } = await builds.requestBuild(
          'sleepy',
          await builds.pushRepo('sleepy', dir),
        );
        await builds.waitFor(
          'the build pod on the node, reported building',
          async () =>
            (await builds.podsOf(deploymentId)).length > 0 &&
            tap.received.some(
              r =>
                r.message.deploymentId === deploymentId &&
                r.message.type === 'StatusReport' &&
                r.message.payload.status === 'building',
            ),
          { timeoutMs: 3 * MINUTE },
        );
        await tap.publish(
          world.buildQueue,
          createMessage('CancelRequested', {
            deploymentId,
            payload: { app: 'sleepy', cluster: world.cluster },
          }),
        );
        const cancelled = await builds.waitFor(
          'the cancelled report',
          async () =>
            tap.received.find(
              r =>
                r.message.deploymentId === deploymentId &&
                r.message.type === 'StatusReport' &&
                r.message.payload.status === 'cancelled',
            ),
          { timeoutMs: MINUTE },
        );
        expect(cancelled.message.payload).toMatchObject({
          reason: 'Cancelled',
        });
        await builds.waitFor(
          'the pod to be gone',
          async () => (await builds.podsOf(deploymentId)).length === 0,
          { timeoutMs: 2 * MINUTE },
        );
        // eslint-disable-next-line no-console
        console.log(
          `real node: cancel of a running build, pod gone ${
            Date.now() - started
          } ms after the request`,
        );
        expect(
          tap.received.some(
            r =>
              r.message.deploymentId === deploymentId &&
              r.message.type === 'StatusReport' &&
              r.message.payload.status === 'built',
          ),
        ).toBe(false);
      },
      8 * MINUTE,
    );

    it(
      'kills a build past its deadline, reports it failed and leaves no pod',
      async () => {
        await suite!.restartController({
          ...world.config,
          deadlineSeconds: 60,
        });
        const dir = fixture('slow', SLOW_DOCKERFILE);
        const { deploymentId, started } = await builds.requestBuild(
          'slow',
          await builds.pushRepo('slow', dir),
        );
        await builds.waitFor(
          'the build pod to run on the node',
          async () => (await builds.podsOf(deploymentId)).length > 0,
          { timeoutMs: 2 * MINUTE },
        );
        const failed = expectFailed(
          await builds.outcome(deploymentId, 5 * MINUTE),
        );
        expect(failed).toMatchObject({
          status: 'failed',
          reason: 'DeadlineExceeded',
        });
        expect(failed.message).toContain(
          'The build did not finish within its deadline',
        );
        expect(Date.now() - started).toBeGreaterThanOrEqual(55_000);
        await builds.waitFor(
          'the pod to be gone',
          async () => (await builds.podsOf(deploymentId)).length === 0,
          { timeoutMs: 2 * MINUTE },
        );
      },
      10 * MINUTE,
    );

    it(
      'evicts a build that writes more than its ephemeral storage limit, and says what to do',
      async () => {
        await suite!.restartController({
          ...world.config,
          resources: {
            requests: { ...world.config.resources.requests },
            limits: {
              ...world.config.resources.limits,
              'ephemeral-storage': '512Mi',
            },
          },
        });
        const dir = fixture('filling', FILLING_DOCKERFILE);
        const { deploymentId } = await builds.requestBuild(
          'filling',
          await builds.pushRepo('filling', dir),
        );
        const failed = expectFailed(
          await builds.outcome(deploymentId, 8 * MINUTE),
        );
        // eslint-disable-next-line no-console
        console.log(`build over its ephemeral storage: ${failed.message}`);
        expect(failed.reason).toBe('Evicted');
        expect(failed.message).toMatch(
          /Evicted: .*ephemeral (local )?storage.* The build wrote more to disk than a build may: .*KLI8NT_BUILD_EPHEMERAL_STORAGE_LIMIT/s,
        );
      },
      10 * MINUTE,
    );
  },
);
