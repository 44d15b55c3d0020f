import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from '../__testUtils__/tempDir';
import { CLONE_SCRIPT, desiredBuild, desiredJob } from './desired';
import { buildkitJobConfig, buildRequested, jobConfig } from './testFixtures';

// A monorepo app (`kli8nt.io/source-path`): the checkout is the whole
// commit, the build context only its subdirectory.

const NOW = new Date('2025-01-02T03:05:05Z');

function build(sourcePath?: string, dockerfilePath?: string) {
  const message = buildRequested(dockerfilePath ? { dockerfilePath } : {});
  const b = desiredBuild(
    {
      ...message,
      payload: { ...message.payload, ...(sourcePath ? { sourcePath } : {}) },
    },
    'kli8nt-builds',
  );
  b.metadata.uid = 'build-uid';
  return b;
}

function steps(config: typeof jobConfig, b: ReturnType<typeof build>) {
  const containers = desiredJob(b, config, NOW).spec!.template.spec!
    .initContainers!;
  return Object.fromEntries(containers.map(c => [c.name, c]));
}

describe('a Build with a source path', () => {
  it('keeps the source path of the request, and none for the root', () => {
    expect(build('apps/web').spec.sourcePath).toBe('apps/web');
    expect(build().spec).not.toHaveProperty('sourcePath');
  });

  it('clones the whole commit, then detects and builds with Kaniko in the subdirectory', () => {
    const { clone, detect, kaniko } = steps(jobConfig, build('apps/web'));
    expect(clone.env).toContainEqual({
      name: 'KLI8NT_SOURCE_DIR',
      value: '/workspace/src',
    });
    expect(clone.env).toContainEqual({
      name: 'KLI8NT_SOURCE_PATH',
      value: 'apps/web',
    });
    // Detection also knows the checkout, to refuse a workspace member.
    expect(detect.command!.slice(-3)).toEqual([
      '--checkout',
      '/workspace/src',
      '/workspace/src/apps/web',
    ]);
    expect(kaniko.args).toContain('--context=dir:///workspace/src/apps/web');
    expect(kaniko.args).toContain(
      '--dockerfile=/workspace/src/apps/web/Dockerfile',
    );
  });

  it('builds with BuildKit in the subdirectory, the Dockerfile path relative to it', () => {
    const { buildkit } = steps(
      buildkitJobConfig,
      build('apps/web', 'docker/prod.Dockerfile'),
    );
    expect(buildkit.args).toContain('--local=context=/workspace/src/apps/web');
    expect(buildkit.args).toContain(
      '--local=dockerfile=/workspace/src/apps/web',
    );
    expect(buildkit.args).toContain('--opt=filename=docker/prod.Dockerfile');
  });

  it('sets nothing extra at the root', () => {
    const { clone, detect, kaniko } = steps(jobConfig, build());
    expect(clone.env!.map(e => e.name)).not.toContain('KLI8NT_SOURCE_PATH');
    expect(detect.command!.at(-1)).toBe('/workspace/src');
    expect(detect.command).not.toContain('--checkout');
    expect(kaniko.args).toContain('--context=dir:///workspace/src');
  });
});

const run = promisify(execFile);
const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@example.com',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@example.com',
};

describe('CLONE_SCRIPT with KLI8NT_SOURCE_PATH (real git)', () => {
  let repo: string;
  let revision: string;

  beforeAll(async () => {
    repo = tempDir('kli8nt-monorepo-');
    for (const dir of ['apps/web', 'apps/api', 'libs/ui']) {
      mkdirSync(join(repo, dir), { recursive: true });
      writeFileSync(join(repo, dir, 'index.js'), dir);
    }
    writeFileSync(join(repo, 'apps/README.md'), 'not a directory');
    // A symlink out of the checkout must not become the build context.
    symlinkSync('/etc', join(repo, 'apps/escape'));
    const git = (...args: string[]) =>
      run('git', args, { cwd: repo, env: gitEnv });
    await git('init', '--quiet');
    await git('add', '.');
    await git('commit', '--quiet', '-m', 'monorepo');
    revision = (await git('rev-parse', 'HEAD')).stdout.trim();
  });

  async function clone(sourcePath: string) {
    const source = join(tempDir('kli8nt-clone-'), 'src');
    const result = await run('/bin/sh', ['-c', CLONE_SCRIPT], {
      env: {
        PATH: process.env.PATH!,
        HOME: tmpdir(),
        GIT_CONFIG_NOSYSTEM: '1',
        KLI8NT_SOURCE_DIR: source,
        KLI8NT_CLONE_URL: `file://${repo}`,
        KLI8NT_REVISION: revision,
        KLI8NT_SOURCE_PATH: sourcePath,
      },
    }).then(
      ok => ({ ...ok, code: 0 }),
      error => error as { stdout: string; stderr: string; code: number },
    );
    return { ...result, source };
  }

  it('clones the whole commit when the source path is a directory in it', async () => {
    const result = await clone('apps/web');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`cloned ${revision}`);
    expect(readdirSync(result.source).sort()).toEqual(['apps', 'libs']);
    expect(readdirSync(join(result.source, 'apps/web'))).toEqual(['index.js']);
  });

  it.each(['apps/site', 'apps/README.md', 'apps/escape'])(
    'fails for %j, naming the annotation, the commit and the directories there are',
    async sourcePath => {
      const result = await clone(sourcePath);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        `kli8nt.io/source-path '${sourcePath}' is not a directory in ${revision}; set it to one of its directories: apps apps/api apps/web libs libs/ui`,
      );
    },
  );
});
