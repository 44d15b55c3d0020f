import { BASE_IMAGES, TOOL_VERSIONS } from '../baseImages';
import { detect } from '../detect';
import { NoStackDetectedError, NoStartCommandError } from '../errors';
import { memoryTree } from '../fileTree';
import { parseDockerfile } from '../__testUtils__/dockerfileStructure';
import { detectFixture, thrownBy } from '../__testUtils__/fixtures';

const json = (value: object) => JSON.stringify(value);
const finalStage = (dockerfile: string) => parseDockerfile(dockerfile).final;

describe('bun', () => {
  it('builds a Bun workspace with the Bun image and starts its module', () => {
    const plan = detectFixture('node-bun-workspaces');
    expect(plan).toMatchObject({
      stack: 'node',
      packageManager: 'bun',
      installCommand: ['bun', 'install', '--frozen-lockfile'],
      startCommand: ['bun', './index.ts'],
      processes: [{ name: 'web', type: 'web', command: ['bun', './index.ts'] }],
    });
    expect(plan.baseImages).toEqual([BASE_IMAGES.bun]);
    const deps = parseDockerfile(plan.dockerfile).stages[0].instructions;
    expect(deps.find(i => i.keyword === 'COPY')!.json).toEqual(['.', './']);
  });

  it('takes bunfig.toml as a sign of Bun and runs a script without a port as a worker', () => {
    const plan = detect(
      memoryTree({
        'package.json': json({ name: 'bot', module: 'bot.ts' }),
        'bunfig.toml': '[install]\nexact = true\n',
        'bot.ts': 'console.log("tick");\n',
      }),
    );
    expect(plan.packageManager).toBe('bun');
    expect(plan.startCommand).toEqual(['bun', './bot.ts']);
    expect(plan.processes).toEqual([
      { name: 'worker', type: 'worker', command: ['bun', './bot.ts'] },
    ]);
    expect(plan.notes.join()).toMatch(/worker/);
  });
});

describe('workspaces of compiled languages', () => {
  it('builds the first go.work module with a main package', () => {
    const plan = detectFixture('go-workspace');
    expect(plan.buildCommand?.slice(-1)).toEqual(['./api']);
    expect(plan.installCommand).toBeUndefined();
    const reordered = detect(
      memoryTree({
        'go.work': 'go 1.24\n\nuse ./lib\nuse (\n\t./tools // x\n\t./svc\n)\n',
        'lib/go.mod': 'module lib',
        'lib/lib.go': 'package lib',
        'tools/go.mod': 'module tools',
        'tools/cmd/gen/main.go': 'package main',
        'svc/go.mod': 'module svc',
        'svc/main.go': 'package main',
      }),
    );
    expect(reordered.buildCommand?.slice(-1)).toEqual(['./tools/cmd/gen']);
  });

  it('says go.work was read when no module has a main package', () => {
    const e = thrownBy(() =>
      detect(
        memoryTree({
          'go.work': 'use ./lib',
          'lib/go.mod': 'module lib',
          'lib/lib.go': 'package lib',
        }),
      ),
    ) as NoStartCommandError;
    expect(e).toBeInstanceOf(NoStartCommandError);
    expect(e.lookedFor).toContain('go.work use directives');
  });

  it('runs the app binary of a cargo workspace, expanding member globs', () => {
    const plan = detectFixture('rust-workspace');
    expect(plan.buildCommand).toEqual([
      'cargo',
      'build',
      '--release',
      '--locked',
      '--bin',
      'server',
    ]);
    expect(plan.notes.join()).toMatch(/default-members/);
  });

  it('lets default-members and default-run pick the binary', () => {
    const files = {
      'Cargo.toml':
        '[workspace]\nmembers = ["crates/*"]\ndefault-members = ["crates/worker"]\n',
      'crates/api/Cargo.toml': '[package]\nname = "api"\n',
      'crates/api/src/main.rs': 'fn main() {}',
      'crates/worker/Cargo.toml':
        '[package]\nname = "worker"\ndefault-run = "consume"\n',
      'crates/worker/src/main.rs': 'fn main() {}',
      'crates/worker/src/bin/consume.rs': 'fn main() {}',
    };
    expect(detect(memoryTree(files)).buildCommand?.slice(-1)).toEqual([
      'consume',
    ]);
    const { 'crates/worker/Cargo.toml': _, ...rest } = files;
    expect(
      detect(
        memoryTree({
          ...rest,
          'Cargo.toml': '[workspace]\nmembers = ["crates/*"]\n',
        }),
      ).buildCommand?.slice(-1),
    ).toEqual(['api']);
  });

  it('runs the application subproject of a Gradle multi-project build from installDist', () => {
    const plan = detectFixture('java-gradle-multi');
    expect(plan.buildCommand).toEqual([
      'gradle',
      '--no-daemon',
      '-x',
      'test',
      ':app:installDist',
    ]);
    expect(plan.startCommand).toEqual(['/app/dist/bin/app']);
  });

  it('builds the boot jar of a Spring Boot subproject', () => {
    const plan = detect(
      memoryTree({
        'settings.gradle': "include ':lib', ':service'\n",
        'lib/build.gradle': "plugins { id 'java-library' }",
        'service/build.gradle':
          "plugins { id 'org.springframework.boot' version '3.5.0' }",
      }),
    );
    expect(plan.framework).toBe('spring-boot');
    expect(plan.buildCommand?.slice(-1)).toEqual([':service:bootJar']);
    expect(plan.dockerfile).toContain('"service/build/libs"]');
  });
});

describe('python packaging, WSGI and workers', () => {
  it('starts a uv-packaged app by its console script after installing the project', () => {
    const plan = detectFixture('python-uv-packaged');
    expect(plan.startCommand).toEqual(['uv-packaged']);
    expect(plan.processes?.[0].type).toBe('web');
    expect(plan.dockerfile).toContain(
      'RUN ["uv", "sync", "--frozen", "--no-dev", "--no-editable"]',
    );
  });

  it('plans a Procfile worker and release, with the worker as the image command', () => {
    const plan = detectFixture('python-worker');
    expect(plan.startCommand).toEqual(['sh', '-c', 'python worker.py']);
    expect(plan.processes).toEqual([
      {
        name: 'worker',
        type: 'worker',
        command: ['sh', '-c', 'python worker.py'],
      },
      {
        name: 'release',
        type: 'release',
        command: ['sh', '-c', 'python migrate.py'],
      },
    ]);
  });

  it('tells a script without a web framework (a worker) from one that serves', () => {
    const worker = detect(memoryTree({ 'bot.py': 'print("hi")\n' }));
    expect(worker.processes).toEqual([
      { name: 'worker', type: 'worker', command: ['python', 'bot.py'] },
    ]);
    const web = detect(
      memoryTree({
        'main.py':
          'import http.server, os\nhttp.server.HTTPServer(("", int(os.environ["PORT"])), None)\n',
      }),
    );
    expect(web.processes?.[0].type).toBe('web');
  });

  it('serves Django under gunicorn with migrate as the release process and collectstatic at build time', () => {
    const plan = detect(
      memoryTree({
        'requirements.txt': 'django\n',
        'manage.py': '',
        'mysite/wsgi.py': 'application = get_wsgi_application()\n',
        'mysite/settings.py': 'STATIC_ROOT = BASE_DIR / "staticfiles"\n',
      }),
    );
    expect(plan.startCommand).toEqual(['gunicorn', 'mysite.wsgi:application']);
    expect(plan.processes).toContainEqual({
      name: 'release',
      type: 'release',
      command: ['python', 'manage.py', 'migrate', '--noinput'],
    });
    expect(plan.dockerfile).toContain(
      `RUN ["pip", "install", "gunicorn==${TOOL_VERSIONS.gunicorn}"]`,
    );
    expect(plan.dockerfile).toContain(
      'RUN ["python", "manage.py", "collectstatic", "--noinput"]',
    );
  });

  it('lets a Procfile release line replace the detected one', () => {
    const plan = detect(
      memoryTree({
        'requirements.txt': 'django\ngunicorn\n',
        'manage.py': '',
        'mysite/wsgi.py': 'application = get_wsgi_application()\n',
        Procfile: 'release: ./migrate.sh\n',
      }),
    );
    expect(plan.processes).toEqual([
      {
        name: 'web',
        type: 'web',
        command: ['gunicorn', 'mysite.wsgi:application'],
      },
      {
        name: 'release',
        type: 'release',
        command: ['sh', '-c', './migrate.sh'],
      },
    ]);
  });
});

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
