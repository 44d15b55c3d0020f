import { BASE_IMAGES } from '../baseImages';
import { detect } from '../detect';
import { InvalidManifestError, NoStartCommandError } from '../errors';
import { memoryTree } from '../fileTree';
import {
  expectGeneratedStructure,
  parseDockerfile,
} from '../__testUtils__/dockerfileStructure';
import { detectFixture, thrownBy } from '../__testUtils__/fixtures';

const pkg = (value: object) => JSON.stringify(value);

describe('node fixtures', () => {
  it.each([
    [
      'node-npm',
      {
        packageManager: 'npm',
        installCommand: ['npm', 'ci'],
        startCommand: ['npm', 'run', 'start'],
      },
    ],
    [
      'node-yarn1',
      {
        packageManager: 'yarn',
        installCommand: ['yarn', 'install', '--frozen-lockfile'],
        startCommand: ['node', './src/main.js'],
      },
    ],
    [
      'node-yarn-berry',
      {
        packageManager: 'yarn-berry',
        installCommand: ['yarn', 'install', '--immutable'],
        startCommand: ['npm', 'run', 'start'],
      },
    ],
    [
      'node-pnpm',
      {
        packageManager: 'pnpm',
        installCommand: ['pnpm', 'install', '--frozen-lockfile'],
        startCommand: ['npm', 'run', 'start'],
      },
    ],
    [
      'node-bun',
      {
        packageManager: 'bun',
        installCommand: ['bun', 'install', '--frozen-lockfile'],
        startCommand: ['bun', 'run', 'start'],
      },
    ],
    [
      'node-express',
      {
        framework: 'express',
        packageManager: 'npm',
        startCommand: ['node', './app.js'],
      },
    ],
    [
      'node-nextjs',
      {
        framework: 'nextjs',
        packageManager: 'npm',
        buildCommand: ['npm', 'run', 'build'],
        startCommand: ['npm', 'run', 'start'],
      },
    ],
    [
      'node-nuxt',
      {
        framework: 'nuxt',
        packageManager: 'pnpm',
        buildCommand: ['pnpm', 'run', 'build'],
        startCommand: ['node', '.output/server/index.mjs'],
      },
    ],
    [
      'node-remix',
      {
        framework: 'remix',
        packageManager: 'yarn',
        buildCommand: ['yarn', 'run', 'build'],
        startCommand: ['npm', 'run', 'start'],
      },
    ],
  ])('%s', (name, expected) => {
    const plan = detectFixture(name);
    expect(plan).toMatchObject({
      stack: 'node',
      generated: true,
      port: 8080,
      ...expected,
    });
    const cmd = expectGeneratedStructure(plan.dockerfile);
    expect(cmd).toEqual(plan.startCommand);
    const parsed = parseDockerfile(plan.dockerfile);
    expect(parsed.stages.map(s => s.name)).toEqual([
      'deps',
      'build',
      undefined,
    ]);
    const runtime =
      plan.packageManager === 'bun' ? BASE_IMAGES.bun : BASE_IMAGES.nodeRuntime;
    expect(parsed.final.image).toBe(runtime);
    expect(
      parsed.final.instructions.find(i => i.keyword === 'USER')!.args[0],
      // The images' node/bun user by uid: the kubelet verifies runAsNonRoot.
    ).toBe('1000:1000');
    // Dependencies install in their own layer, before the sources are copied.
    const deps = parsed.stages[0].instructions;
    const copy = deps.find(i => i.keyword === 'COPY')!;
    expect(copy.json).toContain('package.json');
    expect(copy.json).not.toContain('.');
    expect(deps.map(i => i.keyword).slice(-1)).toEqual(['RUN']);
    expect(deps[deps.length - 1].json).toEqual(plan.installCommand);
    expect(plan.dockerignore).toContain('node_modules');
  });

  it.each([
    ['node-vite', 'vite', 'dist'],
    ['node-cra', 'create-react-app', 'build'],
  ])(
    '%s is a static SPA served by the static server',
    (name, framework, out) => {
      const plan = detectFixture(name);
      expect(plan).toMatchObject({ stack: 'node', framework });
      expectGeneratedStructure(plan.dockerfile);
      const parsed = parseDockerfile(plan.dockerfile);
      expect(parsed.final.image).toBe(BASE_IMAGES.staticServer);
      const copy = parsed.final.instructions.find(i => i.keyword === 'COPY')!;
      expect(copy.flags).toContain('from=build');
      expect(copy.json).toEqual([`/app/${out}`, '/srv/']);
      const caddyfile = parsed.final.instructions.find(
        i => i.keyword === 'RUN',
      )!.json!;
      expect(caddyfile).toContain(':{$PORT:8080} {');
      expect(caddyfile).toContain('\ttry_files {path} /index.html');
    },
  );

  it('copies the yarn berry configuration with the manifests', () => {
    const plan = detectFixture('node-yarn-berry');
    expect(plan.dockerfile).toContain(
      'COPY ["package.json", "yarn.lock", ".yarnrc.yml", "./"]',
    );
    expect(plan.dockerfile).toContain('RUN ["corepack", "enable"]');
  });
});

describe('node detection rules', () => {
  it('prefers the packageManager field over lockfiles', () => {
    const plan = detect(
      memoryTree({
        'package.json': pkg({
          packageManager: 'yarn@1.22.22',
          scripts: { start: 'node a.js' },
        }),
        'package-lock.json': '{}',
        'a.js': '',
      }),
    );
    expect(plan.packageManager).toBe('yarn');
    expect(plan.installCommand).toEqual(['yarn', 'install']);
    expect(plan.notes.join()).toMatch(/no yarn lockfile/);
  });

  it('tells yarn berry from yarn 1 by the lockfile format', () => {
    const plan = detect(
      memoryTree({
        'package.json': pkg({ main: 'a.js' }),
        'yarn.lock': '__metadata:\n  version: 8\n',
        'a.js': '',
      }),
    );
    expect(plan.packageManager).toBe('yarn-berry');
  });

  it('copies the whole repository before installing a workspace', () => {
    const plan = detect(
      memoryTree({
        'package.json': pkg({
          workspaces: ['packages/*'],
          scripts: { start: 'node a.js' },
        }),
        'package-lock.json': '{}',
      }),
    );
    const deps = parseDockerfile(plan.dockerfile).stages[0].instructions;
    expect(deps.find(i => i.keyword === 'COPY')!.json).toEqual(['.', './']);
  });

  it('starts from main, then from a conventional entry file', () => {
    expect(
      detect(
        memoryTree({
          'package.json': pkg({ main: 'lib/x.js' }),
          'lib/x.js': '',
        }),
      ).startCommand,
    ).toEqual(['node', './lib/x.js']);
    expect(
      detect(
        memoryTree({
          'package.json': pkg({ main: '../../etc/passwd' }),
          'server.js': '',
        }),
      ).startCommand,
    ).toEqual(['node', 'server.js']);
    expect(
      detect(
        memoryTree({
          'package.json': pkg({
            main: 'dist/index.js',
            scripts: { build: 'tsc' },
          }),
        }),
      ).startCommand,
    ).toEqual(['node', './dist/index.js']);
  });

  it('runs next start when a Next.js app has no start script', () => {
    const plan = detect(
      memoryTree({
        'package.json': pkg({
          dependencies: { next: '15.0.0' },
          scripts: { build: 'next build' },
        }),
      }),
    );
    expect(plan.startCommand).toEqual(['node_modules/.bin/next', 'start']);
  });

  it('ships only .output for Nuxt', () => {
    const plan = detectFixture('node-nuxt');
    const final = parseDockerfile(plan.dockerfile).final;
    expect(final.instructions.find(i => i.keyword === 'COPY')!.json).toEqual([
      '/app/.output',
      '/app/.output',
    ]);
    expect(final.instructions.find(i => i.keyword === 'ENV')!.args).toContain(
      'HOST=0.0.0.0',
    );
  });

  it('treats a vite app with a server framework as a server', () => {
    const plan = detect(
      memoryTree({
        'package.json': pkg({
          dependencies: { express: '4', vite: '6' },
          scripts: { build: 'vite build', start: 'node server.js' },
        }),
      }),
    );
    expect(plan.framework).toBe('express');
    expect(plan.startCommand).toEqual(['npm', 'run', 'start']);
  });

  it('says what it looked for when there is no way to start the app', () => {
    const e = thrownBy(() =>
      detect(memoryTree({ 'package.json': pkg({ name: 'x' }) })),
    );
    expect(e).toBeInstanceOf(NoStartCommandError);
    expect((e as NoStartCommandError).code).toBe('NoStartCommand');
    expect((e as NoStartCommandError).lookedFor).toEqual(
      expect.arrayContaining([
        'scripts.start in package.json',
        'main in package.json',
        'server.js',
      ]),
    );
  });

  it('rejects a package.json that is not a JSON object', () => {
    expect(() => detect(memoryTree({ 'package.json': '{ nope' }))).toThrow(
      InvalidManifestError,
    );
    expect(() => detect(memoryTree({ 'package.json': '[]' }))).toThrow(
      InvalidManifestError,
    );
  });
});
