import { BASE_IMAGES, TOOL_VERSIONS } from '../baseImages';
import { detect } from '../detect';
import { InvalidManifestError, NoStartCommandError } from '../errors';
import { memoryTree } from '../fileTree';
import {
  expectGeneratedStructure,
  parseDockerfile,
} from '../__testUtils__/dockerfileStructure';
import { detectFixture } from '../__testUtils__/fixtures';

const uvicorn = (app: string) => [
  'sh',
  '-c',
  'exec python -m uvicorn "$1" --host 0.0.0.0 --port "${PORT:-8080}"',
  'sh',
  app,
];

describe('python fixtures', () => {
  it.each([
    [
      'python-pip',
      {
        packageManager: 'pip',
        installCommand: ['pip', 'install', '-r', 'requirements.txt'],
        startCommand: ['python', 'main.py'],
      },
    ],
    [
      'python-flask',
      {
        framework: 'flask',
        packageManager: 'pip',
        startCommand: ['gunicorn', 'app:app'],
      },
    ],
    [
      'python-fastapi',
      {
        framework: 'fastapi',
        packageManager: 'pip',
        startCommand: uvicorn('app.main:app'),
      },
    ],
    [
      'python-django',
      {
        framework: 'django',
        packageManager: 'pip',
        startCommand: ['gunicorn', 'mysite.wsgi:application'],
      },
    ],
    [
      'python-poetry',
      {
        packageManager: 'poetry',
        installCommand: ['poetry', 'install', '--only', 'main', '--no-root'],
        startCommand: ['python', 'main.py'],
      },
    ],
    [
      'python-uv',
      {
        packageManager: 'uv',
        installCommand: [
          'uv',
          'sync',
          '--frozen',
          '--no-dev',
          '--no-install-project',
        ],
        startCommand: ['python', 'main.py'],
      },
    ],
    [
      'python-pipenv',
      {
        packageManager: 'pipenv',
        installCommand: ['pipenv', 'install', '--deploy'],
        startCommand: ['python', 'server.py'],
      },
    ],
    [
      'python-procfile',
      {
        packageManager: 'pip',
        startCommand: ['sh', '-c', 'python serve.py --port "$PORT"'],
      },
    ],
  ])('%s', (name, expected) => {
    const plan = detectFixture(name);
    expect(plan).toMatchObject({
      stack: 'python',
      generated: true,
      ...expected,
    });
    expect(expectGeneratedStructure(plan.dockerfile)).toEqual(
      plan.startCommand,
    );
    const parsed = parseDockerfile(plan.dockerfile);
    expect(parsed.stages.map(s => s.image)).toEqual([
      BASE_IMAGES.pythonBuild,
      BASE_IMAGES.pythonRuntime,
    ]);
    const build = parsed.stages[0].instructions;
    const installAt = build.findIndex(
      i =>
        i.keyword === 'RUN' &&
        JSON.stringify(i.json) === JSON.stringify(plan.installCommand),
    );
    const sourcesAt = build.findIndex(
      i => i.keyword === 'COPY' && JSON.stringify(i.json) === '[".","./"]',
    );
    expect(installAt).toBeGreaterThan(0);
    expect(sourcesAt).toBeGreaterThan(installAt);
    expect(plan.dockerignore).toContain('.venv');
  });

  it('pins the installer it pip-installs', () => {
    expect(detectFixture('python-poetry').dockerfile).toContain(
      `RUN ["pip", "install", "poetry==${TOOL_VERSIONS.poetry}"]`,
    );
  });

  it('notes the Procfile', () => {
    expect(detectFixture('python-procfile').notes).toContain(
      'start command from the Procfile web: line',
    );
  });
});

describe('python detection rules', () => {
  it('finds a FastAPI app by its assignment and passes it as $1', () => {
    const plan = detect(
      memoryTree({
        'pyproject.toml':
          '[project]\nname = "x"\ndependencies = ["fastapi[standard]>=0.110"]\n',
        'src/main.py':
          'from fastapi import FastAPI\napi: FastAPI = FastAPI(title="x")\n',
      }),
    );
    expect(plan.framework).toBe('fastapi');
    expect(plan.startCommand).toEqual(uvicorn('src.main:api'));
    expect(plan.installCommand).toEqual(['pip', 'install', '.']);
  });

  it('serves Flask under gunicorn, installing it when the app does not depend on it', () => {
    const plan = detect(
      memoryTree({
        'requirements.txt': 'Flask>=3\n',
        'main.py':
          'import flask\nserver = flask.Flask(__name__)\napplication = Flask(__name__)\n',
      }),
    );
    expect(plan.startCommand).toEqual(['gunicorn', 'main:application']);
    expect(plan.dockerfile).toContain(
      `RUN ["pip", "install", "gunicorn==${TOOL_VERSIONS.gunicorn}"]`,
    );
    expect(plan.notes.join()).toMatch(/gunicorn .* is installed/);
    const withGunicorn = detect(
      memoryTree({
        'requirements.txt': 'Flask>=3\ngunicorn==22.0.0\n',
        'main.py': 'app = Flask(__name__)\n',
      }),
    );
    expect(withGunicorn.startCommand).toEqual(['gunicorn', 'main:app']);
    expect(withGunicorn.dockerfile).not.toContain('gunicorn==');
  });

  it('derives the Django WSGI module from manage.py when wsgi.py is missing', () => {
    const plan = detect(
      memoryTree({
        'requirements.txt': 'django\ngunicorn\n',
        'manage.py':
          'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings")\n',
      }),
    );
    expect(plan.startCommand).toEqual(['gunicorn', 'proj.wsgi:application']);
  });

  it('ignores modules Python could not import', () => {
    expect(() =>
      detect(
        memoryTree({
          'requirements.txt': 'flask\n',
          'my-app/app.py': 'app = Flask(__name__)\n',
        }),
      ),
    ).toThrow(NoStartCommandError);
  });

  it('reads Pipfile and poetry dependencies for the framework', () => {
    expect(
      detect(
        memoryTree({
          Pipfile: '[packages]\nFlask = "*"\ngunicorn = "*"\n',
          'app.py': 'app = Flask(__name__)\n',
        }),
      ),
    ).toMatchObject({
      packageManager: 'pipenv',
      framework: 'flask',
      installCommand: ['pipenv', 'install', '--skip-lock'],
    });
    expect(
      detect(
        memoryTree({
          'pyproject.toml':
            '[tool.poetry.dependencies]\npython = "^3.12"\nfastapi = "*"\n',
          'main.py': 'app = FastAPI()\n',
        }),
      ),
    ).toMatchObject({ packageManager: 'poetry', framework: 'fastapi' });
  });

  it('rejects a pyproject.toml that is not TOML', () => {
    expect(() =>
      detect(memoryTree({ 'pyproject.toml': '[project\n' })),
    ).toThrow(InvalidManifestError);
  });

  it('counts a bare main.py only when nothing stronger matched', () => {
    expect(detect(memoryTree({ 'main.py': 'print(1)\n' })).stack).toBe(
      'python',
    );
    expect(
      detect(
        memoryTree({
          'main.py': '',
          'package.json': '{"main":"a.js"}',
          'a.js': '',
        }),
      ).stack,
    ).toBe('node');
  });
});
