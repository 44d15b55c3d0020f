/**
 * The BuildKit build Job's own steps, run for real on the host: the pod spec
 * `desiredJob` renders for `builder: buildkit` is executed container by
 * container with runc (see __testUtils__/runc.ts), from the images
 * scripts/images/build-builder-images pushes to the test registry. So the
 * command lines, environment, users, capabilities and mounts under test are
 * exactly the Job's: rootless buildkitd in the build step, which holds no
 * credential; crane in the trusted cache-restore and push steps.
 *
 * Checked: the digest the push step reports is the registry's manifest
 * digest; a rebuild after a source-only change restores the app's layer
 * cache and reports the dependency step as CACHED; the build step's
 * container cannot see the registry credential; buildkitd picked the
 * overlayfs snapshotter in the fsGroup-owned state volume (its fallback,
 * native, copies every layer).
 *
 * The clone step is not run here (its script is tested in desired.test.ts;
 * the source is copied into the workspace instead); the detect step is
 * skipped by naming the Dockerfile. Needs what the real-build suite needs,
 * plus runc; skips without them unless KLI8NT_TESTENV=required.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { V1Container } from '@kubernetes/client-node';
import { desiredBuild, desiredJob } from '../build/desired';
import type { JobConfig } from '../build/jobParts';
import {
  buildkitJobConfig,
  buildRequested,
  REVISION,
} from '../build/testFixtures';
import {
  IMAGES_SCRIPT,
  commandExists,
  parseExports,
  run,
} from './__testUtils__/buildah';
import { realBuildGate } from './__testUtils__/prerequisites';
import { RuncPod } from './__testUtils__/runc';

const BUILDERS_SCRIPT = path.resolve(
  __dirname,
  '../../../scripts/images/build-builder-images',
);
const MINUTE = 60_000;
const { describeRealBuild, requireRealBuild } = realBuildGate();

const DOCKERFILE = `FROM debian:bookworm-slim
COPY deps.txt /app/deps.txt
# Stands in for a dependency install: slow, and only its inputs decide it.
RUN sleep 3 && cp /app/deps.txt /app/installed.txt
COPY src/ /app/src/
RUN cat /app/src/main.txt /app/installed.txt >/app/built.txt
USER 65532
`;

/** The numbered steps of buildctl's plain progress that ended CACHED. */
function cachedSteps(output: string): string[] {
  const names = new Map<string, string>();
  const cached: string[] = [];
  for (const line of output.split('\n')) {
    const step = /^#(\d+) (\[.*)$/.exec(line);
    if (step && !names.has(step[1])) names.set(step[1], step[2]);
    const hit = /^#(\d+) CACHED$/.exec(line);
    if (hit) cached.push(names.get(hit[1]) ?? `#${hit[1]}`);
  }
  return cached;
}

describeRealBuild('BuildKit build Job steps on the host (runc)', () => {
  let env: Record<string, string>;
  let config: JobConfig;
  let crane: string;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kli8nt-buildkit-'));
  const app = `bk-${randomBytes(3).toString('hex')}`;
  const registry = process.env.KLI8NT_TEST_REGISTRY!;
  const figures: string[] = [];

  beforeAll(async () => {
    requireRealBuild();
    if (!commandExists('runc'))
      throw new Error('runc is needed (apt-get install runc)');
    for (const script of [IMAGES_SCRIPT, BUILDERS_SCRIPT]) {
      const built = await run(script, [], {
        echo: '[images]',
        timeoutMs: 60 * MINUTE,
      });
      if (built.code !== 0)
        throw new Error(`${script} failed:\n${built.output}`);
    }
    const exported = await run(BUILDERS_SCRIPT, ['env']);
    if (exported.code !== 0) throw new Error(exported.output);
    env = parseExports(exported.output);
    crane = path.join(env.KLI8NT_TEST_CRANE_TOOLS, 'crane');
    config = {
      ...buildkitJobConfig,
      registry: `${registry}/apps`,
      cacheRepo: `${registry}/kli8nt-cache`,
      insecureRegistry: true,
      dockerHubMirror: registry,
      images: {
        ...buildkitJobConfig.images,
        builder: env.KLI8NT_TEST_BUILDKIT_IMAGE,
        push: env.KLI8NT_TEST_PUSH_IMAGE,
        clone: env.KLI8NT_TEST_CLONE_IMAGE,
      },
    };
  }, 70 * MINUTE);

  afterAll(() => {
    // eslint-disable-next-line no-console
    if (figures.length) console.log(figures.join('\n'));
    fs.rmSync(work, { recursive: true, force: true });
  });

  /** Runs the Job's steps after clone for one revision of `sources`. */
  async function buildJob(revision: string, sources: Record<string, string>) {
    const build = desiredBuild(
      buildRequested({ dockerfilePath: 'Dockerfile' }),
      'kli8nt-builds',
    );
    build.metadata.uid = 'uid';
    build.spec.app = app;
    build.spec.revision = revision;
    build.spec.buildArgs = {};
    const pod = desiredJob(build, config, new Date()).spec!.template.spec!;
    const runner = new RuncPod(
      pod,
      crane,
      {
        'registry-credential': {
          '.dockerconfigjson': JSON.stringify({ auths: {} }),
        },
      },
      work,
    );
    const src = path.join(runner.volume('workspace'), 'src');
    for (const [file, content] of Object.entries(sources)) {
      fs.mkdirSync(path.dirname(path.join(src, file)), { recursive: true });
      fs.writeFileSync(path.join(src, file), content);
    }
    fs.chmodSync(src, 0o755);
    const steps: V1Container[] = [
      ...pod.initContainers!.filter(c => c.name !== 'clone'),
      ...pod.containers,
    ];
    const results: Record<
      string,
      { output: string; millis: number; message: string }
    > = {};
    for (const step of steps) {
      const started = Date.now();
      const result = await runner.runContainer(step, 15 * MINUTE);
      results[step.name] = {
        output: result.output,
        millis: Date.now() - started,
        message: result.terminationMessage,
      };
      if (result.code !== 0) {
        throw new Error(
          `${step.name} exited ${result.code}:\n${result.output}`,
        );
      }
    }
    return { pod, results, runner };
  }

  /** The snapshotters buildkitd kept state for (its workers' roots, runc-<name>). */
  function snapshotters(runner: RuncPod): string[] {
    const root = path.join(runner.volume('buildkit-state'), 'root');
    return fs
      .readdirSync(root)
      .filter(name => name.startsWith('runc-'))
      .map(name => name.slice('runc-'.length));
  }

  async function registryDigest(repository: string, tag: string) {
    const head = await run('curl', [
      '-fsSI',
      '-H',
      'Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json',
      `http://${registry}/v2/${repository}/manifests/${tag}`,
    ]);
    return /docker-content-digest:\s*(\S+)/i.exec(head.output)?.[1];
  }

  const sources = {
    Dockerfile: DOCKERFILE,
    'deps.txt': 'left-pad@1.3.0\n',
    'src/main.txt': 'hello\n',
  };
  const second = 'b'.repeat(40);

  it(
    'builds rootless, pushes from the trusted step, and reports the registry digest',
    async () => {
      const { pod, results, runner } = await buildJob(REVISION, sources);
      const digest = results.push.message;
      expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(await registryDigest(`apps/${app}`, REVISION)).toBe(digest);
      expect(results['cache-restore'].output).toContain('no layer cache yet');
      expect(await registryDigest(`kli8nt-cache/${app}`, 'buildkit')).toMatch(
        /^sha256:/,
      );
      // The untrusted step has no credential mounted and no way to it.
      const buildkit = pod.initContainers!.find(c => c.name === 'buildkit')!;
      expect(buildkit.volumeMounts!.map(m => m.name)).not.toContain(
        'registry-credential',
      );
      expect(buildkit.env!.map(e => e.name)).not.toContain('DOCKER_CONFIG');
      expect(snapshotters(runner)).toEqual(['overlayfs']);
      figures.push(
        `BuildKit cold: restore ${results['cache-restore'].millis} ms, build ${results.buildkit.millis} ms, push ${results.push.millis} ms`,
      );
    },
    20 * MINUTE,
  );

  it(
    'reuses the dependency layers after a source-only change',
    async () => {
      const { results } = await buildJob(second, {
        ...sources,
        'src/main.txt': 'hello again\n',
      });
      expect(results['cache-restore'].output).toContain(
        'restored the layer cache',
      );
      const cached = cachedSteps(results.buildkit.output);
      expect(cached.some(step => step.includes('RUN sleep 3'))).toBe(true);
      expect(
        cached.some(step => step.includes('RUN cat /app/src/main.txt')),
      ).toBe(false);
      expect(await registryDigest(`apps/${app}`, second)).toBe(
        results.push.message,
      );
      figures.push(
        `BuildKit warm (source-only change): restore ${
          results['cache-restore'].millis
        } ms, build ${results.buildkit.millis} ms, push ${
          results.push.millis
        } ms; cached: ${cached.join(' | ')}`,
      );
    },
    20 * MINUTE,
  );
});
