import { BASE_IMAGES, TOOL_VERSIONS } from '../baseImages';
import { detect } from '../detect';
import { NoStartCommandError } from '../errors';
import { memoryTree } from '../fileTree';
import { parseDockerfile } from '../__testUtils__/dockerfileStructure';
import { detectFixture, thrownBy } from '../__testUtils__/fixtures';

const json = (value: object) => JSON.stringify(value);

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
