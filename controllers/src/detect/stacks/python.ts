import type { PackageManager } from '@internal/backstage-plugin-kli8nt-common';
import { BASE_IMAGES, RUNTIME_USER, TOOL_VERSIONS } from '../baseImages';
import {
  BASE_IGNORE,
  DetectContext,
  StackResult,
  asRecord,
  header,
  parseTomlManifest,
  portEnv,
  runtimeTail,
} from '../common';
import { DockerfileBuilder, shellCommand } from '../dockerfile';
import { NoStartCommandError } from '../errors';
import { TreeIndex } from '../fileTree';

type PythonPm = Extract<PackageManager, 'pip' | 'poetry' | 'uv' | 'pipenv'>;

const VENV = '/app/.venv';
const VENV_PATH =
  '/app/.venv/bin:/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Files that make a repository a Python project on their own. */
const STRONG_SIGNALS = [
  'requirements.txt',
  'pyproject.toml',
  'Pipfile',
  'setup.py',
  'manage.py',
];
/** Entry points that make it a Python project when nothing else matched. */
export const PYTHON_ENTRY_FILES = ['main.py', 'app.py', 'server.py'];

/** A dotted module path and attribute Python can import: `pkg.mod:app`. */
const IMPORTABLE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

function normalizeName(name: string): string {
  return name.trim().toLowerCase().replace(/[_.]+/g, '-');
}

function requirementNames(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map(l => l.replace(/#.*/, '').trim())
    .filter(l => l && !l.startsWith('-'))
    .map(l => normalizeName(l.split(/[\s<>=!~;@[(]/)[0]))
    .filter(Boolean);
}

function collectDependencies(tree: TreeIndex): Set<string> {
  const names = new Set<string>();
  for (const file of [
    'requirements.txt',
    'requirements/base.txt',
    'requirements/prod.txt',
  ]) {
    const text = tree.read(file);
    if (text) requirementNames(text).forEach(n => names.add(n));
  }
  if (tree.has('pyproject.toml')) {
    const py = parseTomlManifest(tree, 'pyproject.toml', 'python');
    const project = asRecord(py.project);
    if (Array.isArray(project.dependencies)) {
      requirementNames(
        project.dependencies.filter(d => typeof d === 'string').join('\n'),
      ).forEach(n => names.add(n));
    }
    const poetryDeps = asRecord(
      asRecord(asRecord(py.tool).poetry).dependencies,
    );
    Object.keys(poetryDeps).forEach(n => names.add(normalizeName(n)));
  }
  if (tree.has('Pipfile')) {
    const pipfile = parseTomlManifest(tree, 'Pipfile', 'python');
    Object.keys(asRecord(pipfile.packages)).forEach(n =>
      names.add(normalizeName(n)),
    );
  }
  return names;
}

function packageManagerOf(tree: TreeIndex): PythonPm {
  if (tree.has('Pipfile')) return 'pipenv';
  if (tree.has('uv.lock')) return 'uv';
  if (tree.has('poetry.lock')) return 'poetry';
  if (tree.has('pyproject.toml')) {
    const py = parseTomlManifest(tree, 'pyproject.toml', 'python');
    if (asRecord(py.tool).poetry !== undefined) return 'poetry';
  }
  return 'pip';
}

/** `app/main.py` → `app.main`, or undefined if Python could not import it. */
function moduleOf(path: string): string | undefined {
  const mod = path.replace(/\.py$/, '').split('/').join('.');
  return IMPORTABLE.test(mod) ? mod : undefined;
}

/** Finds `<name> = <factory>(` in the usual entry files: `module:name`. */
function findApp(tree: TreeIndex, factory: string): string | undefined {
  const candidates = [
    'main.py',
    'app.py',
    'wsgi.py',
    'asgi.py',
    'server.py',
    'api.py',
    'app/main.py',
    'app/__init__.py',
    'src/main.py',
    'src/app.py',
    'api/main.py',
  ];
  const pattern = new RegExp(
    `^([A-Za-z_][A-Za-z0-9_]*)\\s*(?::[^=\\n]+)?=\\s*${factory}\\(`,
    'm',
  );
  for (const file of candidates) {
    const match = tree.read(file)?.match(pattern);
    if (match) {
      const mod = moduleOf(file.replace(/\/__init__\.py$/, '.py'));
      if (mod) return `${mod}:${match[1]}`;
    }
  }
  return undefined;
}

function findDjangoWsgi(tree: TreeIndex): string | undefined {
  const wsgi = tree
    .find(p => p.endsWith('/wsgi.py'), 2)
    .find(p => (tree.read(p) ?? '').includes('get_wsgi_application'));
  if (wsgi) {
    const mod = moduleOf(wsgi);
    if (mod) return `${mod}:application`;
  }
  const settings = (tree.read('manage.py') ?? '').match(
    /DJANGO_SETTINGS_MODULE['"]\s*,\s*['"]([A-Za-z0-9_.]+)\.settings['"]/,
  );
  if (settings && IMPORTABLE.test(settings[1])) {
    return `${settings[1]}.wsgi:application`;
  }
  return undefined;
}

interface PythonStart {
  framework?: string;
  start: string[];
  note?: string;
}

function pythonStart(tree: TreeIndex, deps: Set<string>): PythonStart {
  const has = (n: string) => deps.has(n);
  if (tree.has('manage.py') || has('django')) {
    const wsgi = findDjangoWsgi(tree);
    if (wsgi && has('gunicorn')) {
      // gunicorn binds 0.0.0.0:$PORT by itself when PORT is set.
      return { framework: 'django', start: ['gunicorn', wsgi] };
    }
    if (tree.has('manage.py')) {
      return {
        framework: 'django',
        start: shellCommand(
          'exec python manage.py runserver "0.0.0.0:${PORT:-8080}" --noreload',
        ),
        note: 'Django without gunicorn: using the development server; add gunicorn to your requirements',
      };
    }
  }
  if (has('fastapi') || has('starlette')) {
    const app = findApp(tree, has('fastapi') ? 'FastAPI' : 'Starlette');
    if (app) {
      return {
        framework: has('fastapi') ? 'fastapi' : 'starlette',
        start: shellCommand(
          'exec python -m uvicorn "$1" --host 0.0.0.0 --port "${PORT:-8080}"',
          app,
        ),
      };
    }
  }
  if (has('flask')) {
    const app = findApp(tree, 'Flask');
    if (app && has('gunicorn')) {
      return { framework: 'flask', start: ['gunicorn', app] };
    }
    if (app) {
      return {
        framework: 'flask',
        start: shellCommand(
          'exec python -m flask --app "$1" run --host 0.0.0.0 --port "${PORT:-8080}"',
          app,
        ),
        note: 'Flask without gunicorn: using the development server; add gunicorn to your requirements',
      };
    }
  }
  const entry = PYTHON_ENTRY_FILES.find(f => tree.has(f));
  if (entry) {
    return { start: ['python', entry] };
  }
  throw new NoStartCommandError('Found a Python app but no way to start it', {
    stack: 'python',
    lookedFor: [
      'Procfile with a web: line',
      'Django: manage.py and <project>/wsgi.py',
      'FastAPI: <name> = FastAPI( in main.py, app.py, app/main.py, src/main.py',
      'Flask: <name> = Flask( in app.py, main.py, wsgi.py',
      ...PYTHON_ENTRY_FILES,
    ],
  });
}

export function detectPython(
  ctx: DetectContext,
  options: { weak?: boolean } = {},
): StackResult | undefined {
  const { tree } = ctx;
  const strong = STRONG_SIGNALS.some(f => tree.has(f));
  if (!strong && !(options.weak && PYTHON_ENTRY_FILES.some(f => tree.has(f)))) {
    return undefined;
  }
  const notes: string[] = [];
  const pm = packageManagerOf(tree);
  const deps = collectDependencies(tree);
  const { framework, start, note } = ctx.startOverride
    ? { framework: undefined, start: ctx.startOverride, note: undefined }
    : pythonStart(tree, deps);
  if (note) notes.push(note);

  const b = new DockerfileBuilder(header('python', framework));
  b.from(BASE_IMAGES.pythonBuild, 'build');
  b.env({
    PYTHONDONTWRITEBYTECODE: '1',
    PIP_NO_CACHE_DIR: '1',
    PIP_DISABLE_PIP_VERSION_CHECK: '1',
    VIRTUAL_ENV: VENV,
    PATH: VENV_PATH,
  });
  b.workdir('/app');
  let install: string[] | undefined;
  switch (pm) {
    case 'poetry':
      b.run(['pip', 'install', `poetry==${TOOL_VERSIONS.poetry}`]);
      b.env({
        POETRY_VIRTUALENVS_IN_PROJECT: 'true',
        POETRY_NO_INTERACTION: '1',
      });
      b.copy(
        ['pyproject.toml', ...(tree.has('poetry.lock') ? ['poetry.lock'] : [])],
        './',
      );
      install = ['poetry', 'install', '--only', 'main', '--no-root'];
      b.run(install);
      b.copy(['.'], './');
      break;
    case 'uv':
      b.run(['pip', 'install', `uv==${TOOL_VERSIONS.uv}`]);
      b.env({
        UV_PROJECT_ENVIRONMENT: VENV,
        UV_PYTHON_DOWNLOADS: 'never',
        UV_LINK_MODE: 'copy',
      });
      b.copy(['pyproject.toml', 'uv.lock'], './');
      install = ['uv', 'sync', '--frozen', '--no-dev', '--no-install-project'];
      b.run(install);
      b.copy(['.'], './');
      break;
    case 'pipenv':
      b.run(['pip', 'install', `pipenv==${TOOL_VERSIONS.pipenv}`]);
      b.env({ PIPENV_VENV_IN_PROJECT: '1' });
      if (tree.has('Pipfile.lock')) {
        b.copy(['Pipfile', 'Pipfile.lock'], './');
        install = ['pipenv', 'install', '--deploy'];
      } else {
        b.copy(['Pipfile'], './');
        install = ['pipenv', 'install', '--skip-lock'];
      }
      b.run(install);
      b.copy(['.'], './');
      break;
    case 'pip':
    default:
      b.run(['python', '-m', 'venv', VENV]);
      if (tree.has('requirements.txt')) {
        b.copy(['requirements.txt'], './');
        install = ['pip', 'install', '-r', 'requirements.txt'];
        b.run(install);
        b.copy(['.'], './');
      } else if (tree.has('pyproject.toml') || tree.has('setup.py')) {
        // The project itself is the package to install, so it needs its sources.
        b.copy(['.'], './');
        install = ['pip', 'install', '.'];
        b.run(install);
      } else {
        notes.push(
          'no requirements.txt: only the standard library is available',
        );
        b.copy(['.'], './');
      }
  }

  b.from(BASE_IMAGES.pythonRuntime);
  b.env(
    portEnv({
      PYTHONUNBUFFERED: '1',
      PYTHONDONTWRITEBYTECODE: '1',
      VIRTUAL_ENV: VENV,
      PATH: VENV_PATH,
      HOME: '/tmp',
    }),
  );
  b.workdir('/app');
  b.copy(['/app'], '/app', { from: 'build', chown: RUNTIME_USER });
  runtimeTail(b, start);
  return {
    stack: 'python',
    framework,
    packageManager: pm,
    installCommand: install,
    dockerfile: b,
    dockerignore: [
      ...BASE_IGNORE,
      '.venv',
      'venv',
      '__pycache__',
      '**/__pycache__',
      '*.pyc',
      '.pytest_cache',
      '.mypy_cache',
    ],
    notes,
  };
}
