import { execFile } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from '../__testUtils__/tempDir';
import { CACHE_RESTORE_SCRIPT, PUSH_SCRIPT } from './push';

/*
 * The trusted steps' scripts with a stand-in crane that records its
 * arguments and fails as told. Their success paths run for real, against
 * the test registry, in realbuild/buildkit.integration.test.ts.
 */

const run = promisify(execFile);

function world() {
  const dir = tempDir('kli8nt-push-');
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(
    join(bin, 'crane'),
    `#!/bin/sh
echo "$*" >>"${dir}/calls"
if [ -n "\${FAKE_CRANE_ERROR:-}" ]; then echo "$FAKE_CRANE_ERROR" >&2; exit 1; fi
`,
  );
  chmodSync(join(bin, 'crane'), 0o755);
  const calls = () => {
    try {
      return readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n');
    } catch {
      return [];
    }
  };
  const script = (text: string, env: Record<string, string>) =>
    run('/bin/sh', ['-c', text, 'step', '--insecure'], {
      env: {
        PATH: `${bin}:${process.env.PATH}`,
        TMPDIR: dir,
        ...env,
      },
    }).then(
      ok => ({ ...ok, code: 0 }),
      error => error as { stdout: string; stderr: string; code: number },
    );
  return { dir, calls, script };
}

describe('PUSH_SCRIPT', () => {
  it.each([
    ['the image', 'image'],
    ['the cache', 'cache-out'],
  ])(
    'refuses %s when the build step left a symbolic link in it, before calling crane',
    async (_what, planted) => {
      const { dir, calls, script } = world();
      const image = join(dir, 'image');
      const cache = join(dir, 'cache-out');
      mkdirSync(join(image, 'blobs/sha256'), { recursive: true });
      mkdirSync(cache);
      writeFileSync(join(cache, 'index.json'), '{}');
      symlinkSync(
        '/var/run/kli8nt/registry/config.json',
        join(dir, planted, 'blobs-link'),
      );
      const result = await script(PUSH_SCRIPT, {
        KLI8NT_IMAGE: image,
        KLI8NT_IMAGE_REF: 'registry.example.com/apps/shop:abc',
        KLI8NT_CACHE_DIR: cache,
        KLI8NT_CACHE_REF: 'registry.example.com/cache/shop:buildkit',
      });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('symbolic link');
      expect(calls()).toEqual([]);
    },
  );

  it('refuses an image path that is itself a link', async () => {
    const { dir, calls, script } = world();
    symlinkSync('/etc/passwd', join(dir, 'image.tar'));
    const result = await script(PUSH_SCRIPT, {
      KLI8NT_IMAGE: join(dir, 'image.tar'),
      KLI8NT_IMAGE_REF: 'registry.example.com/apps/shop:abc',
    });
    expect(result.code).not.toBe(0);
    expect(calls()).toEqual([]);
  });

  it('fails when the image push fails', async () => {
    const { dir, calls, script } = world();
    writeFileSync(join(dir, 'image.tar'), '');
    const result = await script(PUSH_SCRIPT, {
      KLI8NT_IMAGE: join(dir, 'image.tar'),
      KLI8NT_IMAGE_REF: 'registry.example.com/apps/shop:abc',
      FAKE_CRANE_ERROR: 'UNAUTHORIZED: authentication required',
    });
    expect(result.code).not.toBe(0);
    expect(calls()).toEqual([
      `push --insecure --image-refs ${dir}/pushed ${dir}/image.tar registry.example.com/apps/shop:abc`,
    ]);
  });
});

describe('CACHE_RESTORE_SCRIPT', () => {
  const env = {
    KLI8NT_CACHE_REF: 'registry.example.com/cache/shop:buildkit',
    KLI8NT_CACHE_DIR: '/nonexistent/cache',
  };

  it.each([
    'MANIFEST_UNKNOWN: manifest unknown',
    'NAME_UNKNOWN: repository name not known',
  ])('goes on without a cache when there is none yet (%s)', async error => {
    const { calls, script } = world();
    const result = await script(CACHE_RESTORE_SCRIPT, {
      ...env,
      FAKE_CRANE_ERROR: error,
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('no layer cache yet');
    expect(calls()).toEqual([
      'manifest --insecure registry.example.com/cache/shop:buildkit',
    ]);
  });

  it('fails on any other registry error', async () => {
    const { script } = world();
    const result = await script(CACHE_RESTORE_SCRIPT, {
      ...env,
      FAKE_CRANE_ERROR: 'UNAUTHORIZED: authentication required',
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('UNAUTHORIZED');
  });
});
