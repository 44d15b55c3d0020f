/**
 * Figures, not only checks: per stack of the real-build suite (cases.ts),
 * the BuildKit build Job on the real node through the real BuildController,
 * cold (empty layer cache) and warm (after a source-only change), and the
 * image's compressed size; printed as a table like realbuild's buildah one.
 * Each build must report built with the registry's digest, and the warm
 * one must take steps from the cache.
 *
 * Slow (minutes per stack on 2 cores), so opt-in: KLI8NT_TEST_BUILDKIT_STACKS=1
 * (or a comma-separated list of case names) with the real node up.
 */
import { readTestEnv } from '@internal/testenv';
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  cpSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildkitJobConfig } from '../build/testFixtures';
import {
  formatBytes,
  formatTable,
  parseExports,
  REPO_ROOT,
  run,
} from './__testUtils__/buildah';
import { REAL_BUILD_CASES } from './__testUtils__/cases';
import { expectBuilt, nodeBuildDriver } from './__testUtils__/nodeBuilds';
import {
  kubectl,
  messageTap,
  NodeBuildWorld,
  setUpNodeBuilds,
  startBuildController,
} from './__testUtils__/nodeWorld';

const MINUTE = 60_000;
const te = readTestEnv();
const wanted = process.env.KLI8NT_TEST_BUILDKIT_STACKS;
const DEFAULT = ['node (npm)', 'python (pip)', 'go', 'static html'];
const names =
  wanted && wanted !== '1' ? wanted.split(',').map(s => s.trim()) : DEFAULT;
const cases = REAL_BUILD_CASES.filter(c => names.includes(c.name));

interface Row {
  stack: string;
  cold?: string;
  warm?: string;
  size?: string;
  cached?: string;
  error?: string;
}

(wanted && process.env.KLI8NT_TEST_REAL_NODE ? describe : describe.skip)(
  'BuildKit on the real node, per stack',
  () => {
    const suffix = randomBytes(3).toString('hex');
    const owner = `bks-org-${suffix}`;
    const rows: Row[] = [];
    const work = mkdtempSync(path.join(tmpdir(), 'kli8nt-bks-'));
    let world: NodeBuildWorld;
    let tap: Awaited<ReturnType<typeof messageTap>>;
    let controller: { stop(): Promise<void> } | undefined;
    let builds: ReturnType<typeof nodeBuildDriver>;

    beforeAll(async () => {
      const listed = await run(
        path.join(REPO_ROOT, 'scripts/images/build-builder-images'),
        ['env'],
      );
      if (listed.code !== 0) throw new Error(listed.output);
      world = await setUpNodeBuilds(
        suffix,
        te!.github!,
        te!.egressProxyNode!,
        parseExports(listed.output),
        buildkitJobConfig,
      );
      tap = await messageTap(world.config.amqp, [
        world.informQueue,
        `deploy.${world.cluster}`,
      ]);
      controller = await startBuildController(world.config, world.informQueue);
      builds = nodeBuildDriver(world, tap, te!.github!, owner);
    }, 5 * MINUTE);

    afterAll(async () => {
      const table = formatTable(
        ['stack', 'cold', 'warm', 'image (compressed)', 'warm: CACHED steps'],
        rows.map(r => [
          r.stack,
          r.cold ?? '-',
          r.warm ?? (r.error ? `FAIL: ${r.error.slice(0, 80)}` : '-'),
          r.size ?? '-',
          r.cached ?? '-',
        ]),
      );
      // eslint-disable-next-line no-console
      console.log(
        `BuildKit on the real node (BuildRequested to built):\n${table}`,
      );
      await controller?.stop();
      await tap?.close();
      if (world) {
        await kubectl([
          'delete',
          'namespace',
          world.namespace,
          '--wait=false',
        ]).catch(() => undefined);
      }
    });

    it.each(cases.map(c => [c.name, c] as const))(
      '%s: cold and warm',
      async (_name, c) => {
        const row: Row = { stack: c.name };
        rows.push(row);
        const repo = c.fixture.replace(/[^a-z0-9-]/g, '-');
        const dir = path.join(work, repo);
        cpSync(path.join(REPO_ROOT, 'controllers/fixtures', c.fixture), dir, {
          recursive: true,
        });
        try {
          const first = await builds.pushRepo(repo, dir);
          const cold = await builds.requestBuild(repo, first);
          const built = expectBuilt(await builds.outcome(cold.deploymentId));
          row.cold = `${((Date.now() - cold.started) / 1000).toFixed(0)} s`;
          const image = await builds.registryImage(repo, first);
          expect(image.digest).toBe(built.imageDigest);
          if (image.compressedBytes !== undefined) {
            row.size = formatBytes(image.compressedBytes);
          }

          const source = path.join(dir, c.sourceFile);
          appendFileSync(source, c.change);
          expect(readFileSync(source, 'utf8')).toContain(c.change);
          const second = await builds.pushRepo(repo, dir);
          const warm = await builds.requestBuild(repo, second);
          const warmRun = builds.follow(warm.deploymentId);
          const rebuilt = expectBuilt(await builds.outcome(warm.deploymentId));
          row.warm = `${((Date.now() - warm.started) / 1000).toFixed(0)} s`;
          expect((await builds.registryImage(repo, second)).digest).toBe(
            rebuilt.imageDigest,
          );
          const { log } = await warmRun;
          const cached = (log.match(/^#\d+ CACHED$/gm) ?? []).length;
          row.cached = String(cached);
          writeFileSync(path.join(work, `${repo}-warm.log`), log);
          expect(cached).toBeGreaterThan(0);
          // eslint-disable-next-line no-console
          console.log(`BuildKit row: ${JSON.stringify(row)}`);
        } catch (error) {
          row.error = String(error).split('\n')[0];
          throw error;
        }
      },
      40 * MINUTE,
    );
  },
);
