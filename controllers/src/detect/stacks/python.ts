import type { PackageManager } from '@kli8nt/backstage-plugin-kli8nt-common';
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
import { DockerfileBuilder } from '../dockerfile';
import { TreeIndex } from '../fileTree';
import {
  PYTHON_ENTRY_FILES,
  PythonStart,
  pythonStart,
  singleRootModule,
} from './pythonStart';

export { PYTHON_ENTRY_FILES } from './pythonStart';

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

export function detectPython(
  ctx: DetectContext,
  options: { weak?: boolean } = {},
): StackResult | undefined {
  const { tree } = ctx;
  const strong = STRONG_SIGNALS.some(f => tree.has(f));
  const weak =
    options.weak &&
    (PYTHON_ENTRY_FILES.some(f => tree.has(f)) || !!singleRootModule(tree));
  if (!strong && !weak) {
    return undefined;
  }
  const pm = packageManagerOf(tree);
  const deps = collectDependencies(tree);
  const py = tree.has('pyproject.toml')
    ? parseTomlManifest(tree, 'pyproject.toml', 'python')
    : {};
  const how: PythonStart = ctx.startOverride
    ? { start: ctx.startOverride, notes: [] }
    : pythonStart(tree, deps, py);
  const { framework, start } = how;
  const notes = [...how.notes];

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
      if (how.installProject) {
        b.run(['poetry', 'install', '--only', 'main']);
      }
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
      if (how.installProject) {
        b.run(['uv', 'sync', '--frozen', '--no-dev', '--no-editable']);
      }
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

  if (how.gunicorn) {
    notes.push(
      `gunicorn ${TOOL_VERSIONS.gunicorn} is installed as the WSGI server (add gunicorn to your dependencies to choose its version)`,
    );
    b.run([
      ...(pm === 'uv' ? ['uv', 'pip'] : ['pip']),
      'install',
      `gunicorn==${TOOL_VERSIONS.gunicorn}`,
    ]);
  }
  for (const step of how.buildSteps ?? []) b.run(step);

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
    ...(how.worker ? { processType: 'worker' as const } : {}),
    ...(how.release ? { release: how.release } : {}),
  };
}
