import { BASE_IMAGES } from '../baseImages';
import { detect } from '../detect';
import { NoStackDetectedError } from '../errors';
import { memoryTree } from '../fileTree';
import { parseDockerfile } from '../__testUtils__/dockerfileStructure';
import { detectFixture, thrownBy } from '../__testUtils__/fixtures';

const json = (value: object) => JSON.stringify(value);
const finalStage = (dockerfile: string) => parseDockerfile(dockerfile).final;

describe('static sites and manifests', () => {
  it('serves the Staticfile root', () => {
    const plan = detectFixture('static-staticfile');
    expect(plan.stack).toBe('static');
    const copy = finalStage(plan.dockerfile).instructions.find(
      i => i.keyword === 'COPY',
    )!;
    expect(copy.json).toEqual(['site', '/srv/']);
    expect(plan.dockerfile).not.toContain('try_files');
    const spa = detect(
      memoryTree({ Staticfile: 'index_fallback: true\n', 'index.html': '' }),
    );
    expect(spa.dockerfile).toContain('try_files');
  });

  it('reads a package.json5 and runs its start script without npm', () => {
    const plan = detectFixture('node-pnpm-json5');
    expect(plan.packageManager).toBe('pnpm');
    expect(plan.startCommand).toEqual(['sh', '-c', 'node server.js']);
    const deps = parseDockerfile(plan.dockerfile).stages[0].instructions;
    expect(deps.find(i => i.keyword === 'COPY')!.json).toEqual([
      'package.json5',
      'pnpm-lock.yaml',
      './',
    ]);
  });
});

describe('server-rendered frameworks and monorepos', () => {
  it.each([
    [
      'node-tanstack-start',
      'tanstack-start',
      [
        'node',
        '/opt/srvx/node_modules/srvx/bin/srvx.mjs',
        '--prod',
        '-s',
        '../client',
        'dist/server/server.js',
      ],
    ],
    ['node-astro-server', 'astro', ['node', './dist/server/entry.mjs']],
    ['node-next-standalone', 'nextjs', ['node', 'server.js']],
  ])('%s runs as a server, not static files', (name, framework, start) => {
    const plan = detectFixture(name);
    expect(plan.framework).toBe(framework);
    expect(plan.startCommand).toEqual(start);
    expect(plan.baseImages).not.toContain(BASE_IMAGES.staticServer);
  });

  it('ships only the Next.js standalone output', () => {
    const copies = finalStage(
      detectFixture('node-next-standalone').dockerfile,
    ).instructions.filter(i => i.keyword === 'COPY');
    expect(copies.map(c => c.json)).toEqual([
      ['/app/.next/standalone', '/app'],
      ['/app/.next/static', '/app/.next/static'],
      ['/app/public', '/app/public'],
    ]);
  });

  it.each([
    [
      'Next.js export',
      {
        'package.json': json({
          dependencies: { next: '15' },
          scripts: { build: 'next build' },
        }),
        'next.config.mjs': "export default { output: 'export' }",
      },
      '/app/out',
    ],
    [
      'SvelteKit adapter-static',
      {
        'package.json': json({
          devDependencies: {
            '@sveltejs/kit': '2',
            '@sveltejs/adapter-static': '3',
          },
          scripts: { build: 'vite build' },
        }),
      },
      '/app/build',
    ],
    [
      'Angular application builder',
      {
        'package.json': json({
          devDependencies: { '@angular/cli': '19' },
          scripts: { build: 'ng build', start: 'ng serve' },
        }),
        'angular.json': json({
          projects: {
            shop: {
              projectType: 'application',
              architect: {
                build: {
                  builder: '@angular/build:application',
                  options: { outputPath: 'dist/shop' },
                },
              },
            },
          },
        }),
      },
      '/app/dist/shop/browser',
    ],
  ])('serves a %s build as static files', (_what, files, source) => {
    const plan = detect(memoryTree(files));
    expect(plan.startCommand?.[0]).toBe('caddy');
    expect(
      finalStage(plan.dockerfile).instructions.find(i => i.keyword === 'COPY')!
        .json,
    ).toEqual([source, '/srv/']);
  });

  it('starts a Turborepo app from its directory after the root build', () => {
    const plan = detectFixture('node-turbo-monorepo');
    expect(plan.buildCommand).toEqual(['npm', 'run', 'build']);
    expect(plan.startCommand).toEqual(['npm', 'run', 'start']);
    const final = finalStage(plan.dockerfile);
    expect(final.instructions.find(i => i.keyword === 'WORKDIR')!.args).toEqual(
      ['/app/apps/web'],
    );
    expect(plan.notes.join()).toMatch(/apps\/docs, apps\/web/);
  });

  it('builds an Nx app with nx and starts it from its directory', () => {
    const plan = detectFixture('node-nx-next');
    expect(plan.buildCommand).toEqual([
      'node_modules/.bin/nx',
      'build',
      '@node-nx-next/web',
    ]);
    expect(plan.startCommand).toEqual(['next', 'start']);
  });

  it('keeps a root start script of a monorepo', () => {
    const plan = detect(
      memoryTree({
        'package.json': json({
          workspaces: ['apps/*'],
          scripts: { start: 'cd apps/web && npm start' },
        }),
        'apps/web/package.json': json({ scripts: { start: 'node x.js' } }),
      }),
    );
    expect(plan.startCommand).toEqual(['npm', 'run', 'start']);
    expect(plan.processes?.[0].type).toBe('web');
    expect(
      finalStage(plan.dockerfile).instructions.find(
        i => i.keyword === 'WORKDIR',
      )!.args,
    ).toEqual(['/app']);
  });
});

describe('when nothing is detected', () => {
  it('names what it found and the two ways out', () => {
    const e = thrownBy(() =>
      detect(
        memoryTree({
          'README.md': '',
          'services/api/go.mod': 'module api',
        }),
      ),
    ) as NoStackDetectedError;
    expect(e.found).toEqual(['README.md', 'services/', 'services/api/go.mod']);
    expect(e.message).toContain(
      'Found: README.md, services/, services/api/go.mod.',
    );
    expect(e.message).toMatch(
      /add a Dockerfile .* set the build path .* Settings/,
    );
    expect(e.toJSON()).toMatchObject({ found: e.found });
  });

  it('runs only the rules of the stack set in Settings', () => {
    const files = {
      'package.json': json({ scripts: { start: 'node x.js' } }),
      'main.py': 'print(1)',
    };
    expect(detect(memoryTree(files)).stack).toBe('node');
    expect(detect(memoryTree(files), { stack: 'python' }).stack).toBe('python');
    const e = thrownBy(() =>
      detect(memoryTree(files), { stack: 'go' }),
    ) as NoStackDetectedError;
    expect(e.message).toContain('as go (the stack set in Settings)');
    expect(e.lookedFor).toEqual(['Dockerfile', 'go.mod', 'go.work']);
  });
});
