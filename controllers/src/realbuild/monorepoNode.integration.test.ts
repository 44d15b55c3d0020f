/**
 * Monorepo apps on the test world's real node (issue #20): one repository
 * (controllers/fixtures/monorepo-apps: a static site at the root, a Node
 * server in apps/web, a static site in apps/docs) pushed to the local
 * GitHub; each app's BuildRequested names its `sourcePath`. The real clone,
 * detect and BuildKit steps must build only that directory — each image,
 * run as a pod on the node, is its own app and holds nothing of the other —
 * and a path that is not in the commit fails at the clone with the reason.
 *
 * Needs what buildkitNode.integration.test.ts needs (testenv up,
 * scripts/images/prepare).
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { REPO_ROOT } from './__testUtils__/buildah';
import { expectBuilt, expectFailed } from './__testUtils__/nodeBuilds';
import {
  describeOnRealNode,
  NodeBuildSuite,
  startNodeBuildSuite,
} from './__testUtils__/nodeSuite';
import { kubectl, NodeBuildWorld } from './__testUtils__/nodeWorld';

const MINUTE = 60_000;
const FIXTURE = path.join(REPO_ROOT, 'controllers/fixtures/monorepo-apps');

describeOnRealNode(
  'monorepo apps on the real node (kli8nt.io/source-path)',
  () => {
    const suffix = randomBytes(3).toString('hex');
    const owner = `mono-org-${suffix}`;
    let suite: NodeBuildSuite | undefined;
    let world: NodeBuildWorld;
    let builds: NodeBuildSuite['builds'];
    let sha: string;

    beforeAll(async () => {
      suite = await startNodeBuildSuite({ suffix, owner });
      ({ world, builds } = suite);
      sha = await builds.pushRepo('monorepo', FIXTURE);
    }, 5 * MINUTE);

    afterAll(async () => {
      await suite?.stop();
    });

    /** Runs an image as a pod on the real node until it is Ready. */
    async function runPod(name: string, app: string, digest: string) {
      await kubectl(
        ['apply', '-n', world.namespace, '-f', '-'],
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name },
          spec: {
            nodeSelector: world.config.nodeSelector,
            tolerations: world.config.tolerations,
            automountServiceAccountToken: false,
            containers: [
              {
                name: 'app',
                // As pods name it (the node's containerd maps the loopback).
                image: `${process.env.KLI8NT_TEST_REGISTRY}/apps/${app}@${digest}`,
                env: [{ name: 'PORT', value: '8080' }],
                readinessProbe: {
                  tcpSocket: { port: 8080 },
                  periodSeconds: 2,
                },
              },
            ],
          },
        }),
      );
      await kubectl([
        'wait',
        '-n',
        world.namespace,
        '--for=condition=Ready',
        `pod/${name}`,
        '--timeout=600s',
      ]);
      return (...command: string[]) =>
        kubectl(['exec', '-n', world.namespace, name, '--', ...command]);
    }

    it(
      'builds each app from its own directory only, and each image runs that app',
      async () => {
        const web = await builds.requestBuild('monorepo', sha, {
          app: `mono-web-${suffix}`,
          sourcePath: 'apps/web',
        });
        const docs = await builds.requestBuild('monorepo', sha, {
          app: `mono-docs-${suffix}`,
          sourcePath: 'apps/docs',
        });
        const webBuilt = expectBuilt(await builds.outcome(web.deploymentId));
        const docsBuilt = expectBuilt(await builds.outcome(docs.deploymentId));
        expect(webBuilt.plan).toMatchObject({ stack: 'node' });
        expect(docsBuilt.plan).toMatchObject({ stack: 'static' });

        const inWeb = await runPod(
          'web',
          `mono-web-${suffix}`,
          webBuilt.imageDigest!,
        );
        expect(await kubectl(['logs', '-n', world.namespace, 'web'])).toContain(
          'monorepo web app listening on 8080',
        );
        const webFiles = (
          await inWeb(
            'node',
            '-e',
            "console.log(require('fs').readdirSync('.').join(' '))",
          )
        ).split(/\s+/);
        expect(webFiles).toContain('server.js');
        expect(webFiles).not.toContain('apps');
        expect(webFiles).not.toContain('index.html');

        const inDocs = await runPod(
          'docs',
          `mono-docs-${suffix}`,
          docsBuilt.imageDigest!,
        );
        expect(await inDocs('cat', '/srv/index.html')).toContain(
          'monorepo docs app',
        );
        const docsFiles = (await inDocs('ls', '/srv')).split(/\s+/);
        expect(docsFiles).not.toContain('apps');
        expect(docsFiles).not.toContain('server.js');
      },
      30 * MINUTE,
    );

    it(
      'fails a source path that is not a directory in the commit, saying which there are',
      async () => {
        const { deploymentId } = await builds.requestBuild('monorepo', sha, {
          app: `mono-site-${suffix}`,
          sourcePath: 'apps/site',
        });
        const failed = expectFailed(await builds.outcome(deploymentId));
        expect(failed).toMatchObject({
          status: 'failed',
          reason: 'CloneFailed',
        });
        expect(failed.message).toContain(
          `kli8nt.io/source-path 'apps/site' is not a directory in ${sha}; set it to one of its directories: apps apps/docs apps/web`,
        );
      },
      15 * MINUTE,
    );
  },
);
