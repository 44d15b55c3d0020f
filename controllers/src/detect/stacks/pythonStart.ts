import { asRecord } from '../common';
import { shellCommand } from '../dockerfile';
import { NoStartCommandError } from '../errors';
import { TreeIndex } from '../fileTree';

/** Entry points that make it a Python project when nothing else matched. */
export const PYTHON_ENTRY_FILES = [
  'main.py',
  'app.py',
  'server.py',
  'bot.py',
  'worker.py',
  'run.py',
];

/** A dotted module path and attribute Python can import: `pkg.mod:app`. */
const IMPORTABLE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
/** A console script name from [project.scripts]: it runs from the venv's bin/. */
const SCRIPT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Distributions that make a Python app a web server. */
const WEB_PACKAGES = [
  'django',
  'flask',
  'fastapi',
  'starlette',
  'aiohttp',
  'tornado',
  'sanic',
  'bottle',
  'falcon',
  'quart',
  'litestar',
  'python-fasthtml',
  'streamlit',
  'gradio',
  'uvicorn',
  'gunicorn',
  'hypercorn',
  'waitress',
  'pyramid',
  'cherrypy',
  'dash',
  'panel',
];
/** Source text that suggests the app listens on a port. */
const LISTENS =
  /\bPORT\b|http\.server|socketserver|\bapp\.run\(|serve\(|\.listen\(|web\.run_app/;

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

/** True when a Django settings module sets STATIC_ROOT (collectstatic needs it). */
function djangoHasStaticRoot(tree: TreeIndex): boolean {
  return tree
    .find(p => /(^|\/)settings(\.py|\/[^/]+\.py)$/.test(p), 3)
    .some(p => /^\s*STATIC_ROOT\s*=/m.test(tree.read(p) ?? ''));
}

export interface PythonStart {
  framework?: string;
  start: string[];
  /** A WSGI app served by gunicorn: installed when the app does not depend on it. */
  gunicorn?: boolean;
  /** Run once before each rollout. */
  release?: string[];
  /** Run at the end of the build, with the sources in place. */
  buildSteps?: string[][];
  /** The project's own package must be installed ([project.scripts]). */
  installProject?: boolean;
  worker?: boolean;
  notes: string[];
}

/** The first [project.scripts] entry (PEP 621) or Poetry script. */
function projectScript(py: Record<string, unknown>): string | undefined {
  const scripts = {
    ...asRecord(asRecord(asRecord(py.tool).poetry).scripts),
    ...asRecord(asRecord(py.project).scripts),
  };
  return Object.keys(scripts).find(n => SCRIPT_NAME.test(n));
}

/**
 * How a Python app starts in production: Django and Flask under gunicorn,
 * FastAPI/Starlette under uvicorn, a packaged app by its console script,
 * else an entry file. `py` is the parsed pyproject.toml ({} without one).
 */
export function pythonStart(
  tree: TreeIndex,
  deps: Set<string>,
  py: Record<string, unknown>,
): PythonStart {
  const has = (n: string) => deps.has(n);
  const notes: string[] = [];
  if (tree.has('manage.py') || has('django')) {
    const wsgi = findDjangoWsgi(tree);
    if (wsgi) {
      const collect = djangoHasStaticRoot(tree);
      notes.push(
        'Django: `manage.py migrate` runs as the release process before each rollout',
        collect
          ? 'Django: `manage.py collectstatic` runs at build time (STATIC_ROOT is set); serve the files with whitenoise or a CDN'
          : 'Django: no STATIC_ROOT in settings, so collectstatic is not run',
      );
      return {
        framework: 'django',
        start: ['gunicorn', wsgi],
        gunicorn: !has('gunicorn'),
        release: ['python', 'manage.py', 'migrate', '--noinput'],
        buildSteps: collect
          ? [['python', 'manage.py', 'collectstatic', '--noinput']]
          : [],
        notes,
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
        notes,
      };
    }
  }
  if (has('flask')) {
    const app = findApp(tree, 'Flask');
    if (app) {
      return {
        framework: 'flask',
        start: ['gunicorn', app],
        gunicorn: !has('gunicorn'),
        notes,
      };
    }
  }
  const web = WEB_PACKAGES.some(has);
  const script = projectScript(py);
  if (script && asRecord(py['build-system']).requires !== undefined) {
    notes.push(`start command from the ${script} console script`);
    return {
      start: [script],
      installProject: true,
      worker: !web && !pythonSourceListens(tree),
      notes,
    };
  }
  const entry =
    PYTHON_ENTRY_FILES.find(f => tree.has(f)) ?? singleRootModule(tree);
  if (entry) {
    return {
      start: ['python', entry],
      worker: !web && !pythonSourceListens(tree),
      notes,
    };
  }
  throw new NoStartCommandError('Found a Python app but no way to start it', {
    stack: 'python',
    lookedFor: [
      'Procfile with a web: or worker: line',
      'Django: manage.py and <project>/wsgi.py',
      'FastAPI: <name> = FastAPI( in main.py, app.py, app/main.py, src/main.py',
      'Flask: <name> = Flask( in app.py, main.py, wsgi.py',
      '[project.scripts] in pyproject.toml (with a [build-system])',
      ...PYTHON_ENTRY_FILES,
      'a single *.py file at the root',
    ],
  });
}

/** The only .py file at the root, if there is exactly one. */
export function singleRootModule(tree: TreeIndex): string | undefined {
  const files = tree.find(p => p.endsWith('.py') && !p.includes('/'), 0);
  return files.length === 1 && /^[A-Za-z0-9_.-]+$/.test(files[0])
    ? files[0]
    : undefined;
}

/** True when any Python file seems to listen: calling a server a worker would leave it without a Service. */
function pythonSourceListens(tree: TreeIndex): boolean {
  return tree
    .find(p => p.endsWith('.py'))
    .some(p => LISTENS.test(tree.read(p) ?? ''));
}
