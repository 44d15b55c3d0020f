/**
 * Real builds of the detector's Dockerfiles: for each fixture app, detect →
 * generated Dockerfile (or the repository's own) → `buildah build` → push to
 * the test registry → `buildah run` with PORT set → GET / answers 200. Then a
 * source-only change is rebuilt and must reuse the dependency layers, and the
 * image must run as a non-root user.
 *
 * Base images are local look-alikes (scripts/images/build-base-images, run
 * in beforeAll) served under their production names through a docker.io
 * mirror, so the Dockerfiles built are exactly what production builds.
 *
 * Needs root, buildah and KLI8NT_TEST_REGISTRY; skips without them unless
 * KLI8NT_TESTENV=required (then fails). As root with CI=true a missing
 * buildah is installed first (scripts/images/bootstrap).
 * KLI8NT_REALBUILD=skip skips it when not required.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BuildPlan } from '@kli8nt/backstage-plugin-kli8nt-common';
import { detect, readDirectoryTree, writePlan } from '../detect';
import {
  IMAGES_SCRIPT,
  dependencyCacheProblems,
  formatBytes,
  formatTable,
  killGroup,
  parseBuildSteps,
  parseExports,
  run,
} from './__testUtils__/buildah';
import { REAL_BUILD_CASES } from './__testUtils__/cases';
import { DETECTOR_CASES, DetectorCase } from './__testUtils__/detectorCases';
import { completePoetryLock } from './__testUtils__/lockfiles';
import { realBuildGate } from './__testUtils__/prerequisites';

const FIXTURES = path.resolve(__dirname, '../../fixtures');

const BASE_PORT = 18100;
/** Fixed mtime for the copied sources, so layer cache keys depend on content only. */
const FIXED_TIME = new Date('2024-01-01T00:00:00Z');

const MINUTE = 60_000;
const { describeRealBuild, requireRealBuild } = realBuildGate();

interface Row {
  stack: string;
  build?: string;
  rebuild?: string;
  size?: string;
  cache?: string;
  user?: string;
  http?: string;
  error?: string;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Copies a fixture with fixed mtimes (buildah's COPY cache keys include them). */
function copyFixture(fixture: string): string {
  const dir = fs.mkdtempSync(
    path.join(os.tmpdir(), `kli8nt-realbuild-${fixture}-`),
  );
  fs.cpSync(path.join(FIXTURES, fixture), dir, { recursive: true });
  return dir;
}

function fixTimes(dir: string) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) fixTimes(p);
    fs.utimesSync(p, FIXED_TIME, FIXED_TIME);
  }
}

async function httpGet(
  url: string,
): Promise<{ status: number; body: string } | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
    return { status: res.status, body: await res.text() };
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

describeRealBuild('real builds of generated Dockerfiles', () => {
  const registry = process.env.KLI8NT_TEST_REGISTRY!;
  let env: NodeJS.ProcessEnv = process.env;
  let global: string[] = [];
  let policy = '';
  let imagesDir = '';
  const rows: Row[] = [];
  const suiteStarted = Date.now();
  const runId = `${suiteStarted}-${process.pid}`;

  const buildah = (
    args: string[],
    options: { echo?: string; timeoutMs?: number; nice?: boolean } = {},
  ) =>
    options.nice
      ? run('nice', ['-n', '10', 'buildah', ...global, ...args], {
          env,
          echo: options.echo,
          timeoutMs: options.timeoutMs,
        })
      : run('buildah', [...global, ...args], {
          env,
          echo: options.echo,
          timeoutMs: options.timeoutMs,
        });

  const mustBuildah = async (args: string[]) => {
    const r = await buildah(args, { timeoutMs: 5 * MINUTE });
    if (r.code !== 0) {
      throw new Error(`buildah ${args.join(' ')} failed:\n${r.output}`);
    }
    return r.output;
  };

  beforeAll(async () => {
    requireRealBuild();
    process.stderr.write(
      '[realbuild] assembling base images (scripts/images/build-base-images)\n',
    );
    const built = await run(IMAGES_SCRIPT, ['build'], {
      echo: '[realbuild]',
      timeoutMs: 45 * MINUTE,
    });
    if (built.code !== 0) {
      throw new Error(
        `build-base-images failed:\n${built.output.slice(-4000)}`,
      );
    }
    const exported = await run(IMAGES_SCRIPT, ['env']);
    if (exported.code !== 0) throw new Error(exported.output);
    const vars = parseExports(exported.output);
    env = { ...process.env, ...vars };
    policy = vars.KLI8NT_SIGNATURE_POLICY;
    imagesDir = vars.KLI8NT_IMAGES_DIR;
    global = [
      '--storage-driver',
      vars.KLI8NT_BUILDAH_DRIVER,
      '--root',
      vars.KLI8NT_BUILDAH_ROOT,
      '--runroot',
      vars.KLI8NT_BUILDAH_RUNROOT,
    ];
  }, 50 * MINUTE);

  afterAll(() => {
    const table = formatTable(
      [
        'stack',
        'build',
        'rebuild',
        'image size',
        'cache reuse',
        'user',
        'HTTP',
      ],
      rows.map(r => [
        r.stack,
        r.build ?? '-',
        r.rebuild ?? '-',
        r.size ?? '-',
        r.cache ?? '-',
        r.user ?? '-',
        r.http ??
          (r.error ? `FAIL: ${r.error.split('\n')[0].slice(0, 80)}` : '-'),
      ]),
    );
    const text = `\nReal builds (${seconds(
      Date.now() - suiteStarted,
    )} in all, base images included):\n${table}\n`;
    process.stdout.write(text);
    if (imagesDir) {
      fs.writeFileSync(path.join(imagesDir, 'realbuild-summary.txt'), text);
    }
  });

  const build = async (
    plan: BuildPlan,
    dir: string,
    image: string,
    label: string,
  ) => {
    const r = await buildah(
      [
        'build',
        '--isolation',
        'chroot',
        '--layers',
        '--force-rm',
        '--network',
        'host',
        '--signature-policy',
        policy,
        '-f',
        path.join(dir, plan.dockerfilePath),
        '-t',
        image,
        dir,
      ],
      { echo: `[realbuild ${label}]`, timeoutMs: 15 * MINUTE, nice: true },
    );
    if (r.code !== 0) {
      throw new Error(
        `buildah build of ${label} failed (exit ${r.code}):\n${r.output.slice(
          -6000,
        )}`,
      );
    }
    return r;
  };

  [...REAL_BUILD_CASES, ...DETECTOR_CASES].forEach((c: DetectorCase, i) => {
    it(
      `${c.name}: builds, pushes, runs as non-root, ${
        c.workerLog ? 'keeps running and logs' : 'answers HTTP'
      }, reuses dependency layers`,
      async () => {
        const row: Row = { stack: c.name };
        rows.push(row);
        const dir = copyFixture(c.fixture);
        const container = `kli8nt-realbuild-${c.fixture}-${process.pid}`;
        const image = `${registry}/kli8nt-realbuild/${c.fixture}:latest`;
        try {
          if (c.completeNpmLock) {
            const lock = await run(
              'npm',
              [
                'install',
                '--package-lock-only',
                '--ignore-scripts',
                '--no-audit',
                '--no-fund',
              ],
              { cwd: dir, timeoutMs: 5 * MINUTE },
            );
            if (lock.code !== 0) {
              throw new Error(
                `npm install --package-lock-only failed:\n${lock.output}`,
              );
            }
          }

          if (c.completePoetryLock) completePoetryLock(dir);

          // detect → Dockerfile
          const plan = detect(readDirectoryTree(dir));
          if (plan.generated) writePlan(dir, plan);
          fixTimes(dir);

          // build
          const first = await build(plan, dir, image, c.fixture);
          row.build = seconds(first.millis);

          // push, and the registry serves the digest pushed
          const digestFile = path.join(
            dir,
            '..',
            `${path.basename(dir)}.digest`,
          );
          await mustBuildah([
            'push',
            '--tls-verify=false',
            '--signature-policy',
            policy,
            '--digestfile',
            digestFile,
            image,
            `docker://${image}`,
          ]);
          const digest = fs.readFileSync(digestFile, 'utf8').trim();
          fs.rmSync(digestFile, { force: true });
          const manifest = await fetch(
            `http://${registry}/v2/kli8nt-realbuild/${c.fixture}/manifests/${digest}`,
            {
              headers: {
                accept:
                  'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json',
              },
            },
          );
          expect(manifest.status).toBe(200);
          const layers: { size: number }[] = (await manifest.json()).layers;

          // image config: non-root user, command
          const inspect = JSON.parse(
            await mustBuildah(['inspect', '--type', 'image', image]),
          );
          const config = inspect.OCIv1?.config ?? {};
          const user: string = config.User ?? '';
          expect(user).not.toMatch(/^(|root|0)(:.*)?$/);
          const argv: string[] = [
            ...(config.Entrypoint ?? []),
            ...(config.Cmd ?? []),
          ];
          expect(argv.length).toBeGreaterThan(0);
          const sizes = await mustBuildah(['images', '--json', image]);
          const size = JSON.parse(sizes)[0]?.size;
          const compressed = layers.reduce((s, l) => s + l.size, 0);
          row.size = `${
            typeof size === 'number' ? formatBytes(size) : size
          } (${formatBytes(compressed)} pushed)`;

          // run it with PORT set, as the image's user
          await buildah(['rm', container]);
          await mustBuildah([
            'from',
            '--pull-never',
            '--name',
            container,
            image,
          ]);
          // `buildah run` once returned `id -u` with empty stdout in CI (a
          // buildah output race, not the image): ask again before judging.
          let uid: string | undefined;
          for (let attempt = 0; attempt < 3 && !uid; attempt++) {
            uid = (
              await mustBuildah([
                'run',
                '--isolation',
                'chroot',
                container,
                '--',
                'id',
                '-u',
              ])
            )
              .trim()
              .split('\n')
              .pop();
          }
          expect(uid).toMatch(/^\d+$/);
          expect(uid).not.toBe('0');
          row.user = `${user} (uid ${uid})`;

          const port = BASE_PORT + i;
          const url = `http://127.0.0.1:${port}/`;
          expect(await httpGet(url)).toBeUndefined(); // nothing else on the port
          const server = spawn(
            'buildah',
            [
              ...global,
              'run',
              '--isolation',
              'chroot',
              '--env',
              `PORT=${port}`,
              container,
              '--',
              ...argv,
            ],
            { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
          );
          let serverLog = '';
          server.stdout!.on('data', d => (serverLog += d));
          server.stderr!.on('data', d => (serverLog += d));
          const exited = new Promise<void>(r => server.on('close', () => r()));
          const started = Date.now();
          const running = () =>
            Date.now() - started < 2 * MINUTE && server.exitCode === null;
          try {
            // A web process answers GET /; a worker logs its line twice and
            // is still running (it has no port to ask).
            const want = c.workerLog
              ? { process: 'worker', logged: true, running: true }
              : { process: 'web', status: 200, body: true };
            let got: Record<string, unknown>;
            if (c.workerLog) {
              const line = c.workerLog;
              while (running() && serverLog.split(line).length < 3) {
                await sleep(250);
              }
              got = {
                process: plan.processes?.[0].type,
                logged: serverLog.split(line).length > 2,
                running: server.exitCode === null,
              };
            } else {
              let answer: { status: number; body: string } | undefined;
              while (running() && !answer) {
                answer = await httpGet(url);
                if (!answer) await sleep(250);
              }
              got = {
                process: (plan.processes?.[0].type ?? 'web') as string,
                status: answer?.status,
                body: !!answer?.body.includes(c.expectBody),
              };
            }
            row.http = `${
              c.workerLog ? 'worker running, logging' : String(got.status)
            } in ${seconds(Date.now() - started)}`;
            if (JSON.stringify(got) !== JSON.stringify(want)) {
              process.stderr.write(
                `[realbuild ${c.fixture}] ${JSON.stringify(got)}; server (${
                  server.exitCode === null
                    ? 'running'
                    : `exited ${server.exitCode}`
                }) said:\n${serverLog.slice(-3000)}\n`,
              );
            }
            expect(got).toEqual(want);
          } finally {
            killGroup(server, 'SIGTERM');
            await Promise.race([exited, sleep(10_000)]);
            killGroup(server, 'SIGKILL');
            await Promise.race([exited, sleep(5_000)]);
          }
          // the server went away with buildah run
          let gone = false;
          for (let t = 0; t < 20 && !gone; t++) {
            gone = (await httpGet(url)) === undefined;
            if (!gone) await sleep(250);
          }
          expect(gone).toBe(true);

          // a source-only change reuses the dependency layers
          // (unique per run, so it is a change for the layer cache too)
          fs.appendFileSync(
            path.join(dir, c.sourceFile),
            c.change.replace('test', `test ${runId}`),
          );
          fixTimes(dir);
          const second = await build(plan, dir, image, `${c.fixture} rebuild`);
          row.rebuild = seconds(second.millis);
          const steps = parseBuildSteps(second.output).filter(
            s => !/^FROM /i.test(s.instruction),
          );
          const cached = steps.filter(s => s.cached).length;
          // Unless the case says why there is no dependency layer to reuse.
          expect(
            c.noDependencyLayers ? [] : dependencyCacheProblems(steps, plan),
          ).toEqual([]);
          row.cache = `${cached}/${steps.length} steps${
            c.noDependencyLayers ? ` (${c.noDependencyLayers})` : ''
          }${plan.generated && !c.noDependencyLayers ? ', deps cached' : ''}`;
        } catch (e) {
          row.error = (e as Error).message;
          throw e;
        } finally {
          await buildah(['rm', container]);
          fs.rmSync(dir, { recursive: true, force: true });
        }
      },
      20 * MINUTE,
    );
  });
});
