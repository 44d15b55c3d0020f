import { spawnSync } from 'node:child_process';
import path from 'node:path';

/*
 * `build.builder` rendered with `helm template` (no cluster needed): the
 * controller gets the builder and only that builder's image, the push image
 * is required, and the builds namespace's Pod Security level follows the
 * builder. Needs helm on PATH (testenv puts it there); skipped without it
 * unless KLI8NT_TESTENV=required.
 */

const chartDir = path.resolve(__dirname, '..');
const hasHelm =
  spawnSync('sh', ['-c', 'command -v helm'], { stdio: 'ignore' }).status === 0;
const required = process.env.KLI8NT_TESTENV === 'required';
const pinned = (name: string, c: string) =>
  `registry.example.com/mirror/${name}@sha256:${c.repeat(64)}`;

const base = {
  'secrets.amqpUrl': 'amqp://kli8nt:secret@rabbitmq:5672',
  'build.registry': 'registry.example.com/apps',
  'kafka.brokers': 'kafka:9092',
  'build.cloneImage': pinned('git', 'b'),
  'build.pushImage': pinned('crane', 'c'),
};

function template(values: Record<string, string>) {
  const args = ['template', 'x', chartDir];
  for (const [key, value] of Object.entries(values)) {
    args.push('--set', `${key}=${value}`);
  }
  const result = spawnSync('helm', args, { encoding: 'utf8', timeout: 60_000 });
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
  };
}

/** The build controller's env and the builds namespace's labels. */
function rendered(values: Record<string, string>) {
  const { status, stdout, stderr } = template(values);
  if (status !== 0) throw new Error(stderr);
  const docs = stdout.split(/^---$/m);
  const buildDeployment = docs.find(
    d => /name: x-build\n/.test(d) && /kind: Deployment/.test(d),
  )!;
  const env: Record<string, string> = {};
  for (const m of buildDeployment.matchAll(
    /- name: (KLI8NT_BUILD_[A-Z_]+)\n\s+value: "?([^"\n]*)"?/g,
  )) {
    env[m[1]] = m[2];
  }
  const buildsNamespace = docs.find(
    d => /kind: Namespace/.test(d) && /name: kli8nt-builds\n/.test(d),
  )!;
  const podSecurity: Record<string, string> = {};
  for (const m of buildsNamespace.matchAll(
    /pod-security\.kubernetes\.io\/([a-z]+): ([a-z]+)/g,
  )) {
    podSecurity[m[1]] = m[2];
  }
  return { env, podSecurity };
}

(hasHelm || required ? describe : describe.skip)('build.builder', () => {
  it('defaults to Kaniko, at Pod Security baseline', () => {
    const { env, podSecurity } = rendered({
      ...base,
      'build.kanikoImage': pinned('kaniko', 'a'),
    });
    expect(env).toMatchObject({
      KLI8NT_BUILD_BUILDER: 'kaniko',
      KLI8NT_BUILD_KANIKO_IMAGE: pinned('kaniko', 'a'),
      KLI8NT_BUILD_PUSH_IMAGE: pinned('crane', 'c'),
    });
    expect(env.KLI8NT_BUILD_BUILDKIT_IMAGE).toBeUndefined();
    expect(env.KLI8NT_BUILD_DOCKER_HUB_MIRROR).toBeUndefined();
    expect(podSecurity).toEqual({ enforce: 'baseline' });
  });

  it('selects rootless BuildKit, whose Unconfined profiles need privileged', () => {
    const { env, podSecurity } = rendered({
      ...base,
      'build.builder': 'buildkit',
      'build.buildkitImage': pinned('buildkit', 'd'),
      'build.dockerHubMirror': 'mirror.internal:5000',
    });
    expect(env).toMatchObject({
      KLI8NT_BUILD_BUILDER: 'buildkit',
      KLI8NT_BUILD_BUILDKIT_IMAGE: pinned('buildkit', 'd'),
      KLI8NT_BUILD_DOCKER_HUB_MIRROR: 'mirror.internal:5000',
    });
    expect(env.KLI8NT_BUILD_KANIKO_IMAGE).toBeUndefined();
    expect(podSecurity).toEqual({
      enforce: 'privileged',
      warn: 'baseline',
      audit: 'baseline',
    });
  });

  it("refuses to render without the builder's image, the push image, or with an unknown builder", () => {
    expect(template({ ...base, 'build.builder': 'buildkit' }).stderr).toContain(
      'build.buildkitImage is required with build.builder=buildkit',
    );
    expect(template(base).stderr).toContain(
      'build.kanikoImage is required with build.builder=kaniko',
    );
    expect(
      template({
        ...base,
        'build.kanikoImage': pinned('kaniko', 'a'),
        'build.pushImage': '',
      }).stderr,
    ).toContain('build.pushImage is required');
    expect(template({ ...base, 'build.builder': 'docker' }).stderr).toContain(
      'build.builder must be kaniko or buildkit',
    );
  });
});
