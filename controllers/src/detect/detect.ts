import {
  BuildPlan,
  Process,
  Stack,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { DEFAULT_PORT } from './baseImages';
import { DetectContext, StackDetector, StackResult } from './common';
import { DETECT_WAYS_OUT, NoStackDetectedError } from './errors';
import { FileTree, TreeIndex } from './fileTree';
import { procfileProcesses } from './procfile';
import { existingDockerfile } from './stacks/dockerfile';
import { detectDotnet } from './stacks/dotnet';
import { detectGo } from './stacks/go';
import { detectJava } from './stacks/java';
import { detectNode } from './stacks/node';
import { detectPhp } from './stacks/php';
import { detectPython, PYTHON_ENTRY_FILES } from './stacks/python';
import { detectRuby } from './stacks/ruby';
import { detectRust } from './stacks/rust';
import { detectStatic } from './stacks/static';

/** @public */
export interface DetectOptions {
  /**
   * Path of the repository's own Dockerfile. When set, the file must exist;
   * when unset, a `Dockerfile` at the root is used if there is one.
   */
  dockerfilePath?: string;
  /**
   * The stack set in the app's Settings: only that stack's rules run (its
   * weak signals, such as a bare main.py, count as much as manifests).
   */
  stack?: Exclude<Stack, 'dockerfile'>;
}

/**
 * Detectors in priority order. Manifests that name a backend language come
 * before package.json, because Rails, Django and Laravel apps often carry a
 * package.json for their assets. Bare entry files (index.php, main.py,
 * index.html) only count when no manifest matched.
 */
const DETECTORS: Array<{
  stack: Stack;
  detector: StackDetector;
  lookedFor: string[];
}> = [
  { stack: 'ruby', detector: detectRuby, lookedFor: ['Gemfile'] },
  { stack: 'php', detector: detectPhp, lookedFor: ['composer.json'] },
  {
    stack: 'python',
    detector: detectPython,
    lookedFor: [
      'requirements.txt',
      'pyproject.toml',
      'Pipfile',
      'setup.py',
      'manage.py',
    ],
  },
  {
    stack: 'java',
    detector: detectJava,
    lookedFor: [
      'pom.xml',
      'build.gradle',
      'build.gradle.kts',
      'settings.gradle',
      'settings.gradle.kts',
    ],
  },
  { stack: 'go', detector: detectGo, lookedFor: ['go.mod', 'go.work'] },
  { stack: 'rust', detector: detectRust, lookedFor: ['Cargo.toml'] },
  {
    stack: 'dotnet',
    detector: detectDotnet,
    lookedFor: ['*.csproj', '*.fsproj'],
  },
  {
    stack: 'node',
    detector: detectNode,
    lookedFor: ['package.json', 'package.json5'],
  },
  {
    stack: 'php',
    detector: ctx => detectPhp(ctx, { weak: true }),
    lookedFor: ['index.php', 'public/index.php'],
  },
  {
    stack: 'python',
    detector: ctx => detectPython(ctx, { weak: true }),
    lookedFor: PYTHON_ENTRY_FILES,
  },
  {
    stack: 'static',
    detector: detectStatic,
    lookedFor: ['Staticfile', 'index.html', 'public/index.html'],
  },
];

/**
 * Detects how to build and run the repository in `tree`. Pure: reads only
 * through the tree. Throws a DetectError (with `code` and `lookedFor`) when
 * the repository cannot be built as it is.
 *
 * @public
 */
export function detect(tree: FileTree, options: DetectOptions = {}): BuildPlan {
  const index = new TreeIndex(tree);
  const own = existingDockerfile(index, options.dockerfilePath);
  if (own) {
    return {
      stack: 'dockerfile',
      startCommand: own.startCommand,
      port: own.port,
      dockerfilePath: own.path,
      generated: false,
      dockerfile: own.text,
      baseImages: own.baseImages,
      notes: own.notes,
    };
  }

  const procfile = procfileProcesses(index) ?? [];
  const main =
    procfile.find(p => p.type === 'web') ??
    procfile.find(p => p.type === 'worker');
  const ctx: DetectContext = { tree: index, startOverride: main?.command };
  const detectors = options.stack
    ? DETECTORS.filter(d => d.stack === options.stack)
    : DETECTORS;
  for (const { detector } of detectors) {
    const result = detector(ctx);
    if (result) {
      const notes = [...result.notes];
      if (main)
        notes.push(`start command from the Procfile ${main.name}: line`);
      const startCommand = result.dockerfile.command;
      return {
        stack: result.stack,
        ...(result.framework ? { framework: result.framework } : {}),
        ...(result.packageManager
          ? { packageManager: result.packageManager }
          : {}),
        ...(result.installCommand
          ? { installCommand: result.installCommand }
          : {}),
        ...(result.buildCommand ? { buildCommand: result.buildCommand } : {}),
        startCommand,
        port: DEFAULT_PORT,
        dockerfilePath: 'Dockerfile',
        generated: true,
        dockerfile: result.dockerfile.render(),
        dockerignore: `${[...new Set(result.dockerignore)].join('\n')}\n`,
        baseImages: [...new Set(result.dockerfile.images)],
        processes: processesOf(procfile, result, startCommand),
        notes,
      };
    }
  }
  const lookedFor = [
    'Dockerfile',
    ...new Set(detectors.flatMap(d => d.lookedFor)),
  ];
  const found = foundFiles(index, lookedFor);
  throw new NoStackDetectedError(
    [
      `Could not detect how to build this repository${
        options.stack ? ` as ${options.stack} (the stack set in Settings)` : ''
      }. Looked for: ${lookedFor.join(', ')}.`,
      found.length > 0
        ? `Found: ${found.join(', ')}.`
        : 'Found: no files at all.',
      DETECT_WAYS_OUT,
    ].join(' '),
    { lookedFor, found },
  );
}

/**
 * What the repository holds, for the error: its top-level files (at most
 * 20) and any known manifest deeper down — usually the app in a
 * subdirectory, which the build path setting points at.
 */
function foundFiles(tree: TreeIndex, lookedFor: string[]): string[] {
  const names = new Set(lookedFor.filter(n => !n.includes('*')));
  const top = tree.find(() => true, 0);
  const nested = tree
    .find(p => p.includes('/') && names.has(p.split('/').pop()!), 3)
    .slice(0, 10);
  return [
    ...top.slice(0, 20),
    ...(top.length > 20 ? [`… ${top.length - 20} more top-level files`] : []),
    ...tree
      .subdirs('')
      .map(d => `${d}/`)
      .slice(0, 10),
    ...nested,
  ];
}

/**
 * The Procfile's web and worker processes when it has any, else the
 * detected one; the Procfile's release process, else the detected one.
 */
function processesOf(
  procfile: Process[],
  result: StackResult,
  startCommand: string[] | undefined,
): Process[] | undefined {
  const running = procfile.filter(p => p.type !== 'release');
  if (running.length === 0 && startCommand) {
    const type = result.processType ?? 'web';
    running.push({ name: type, type, command: startCommand });
  }
  if (running.length === 0) return undefined;
  const release =
    procfile.find(p => p.type === 'release') ??
    (result.release
      ? { name: 'release', type: 'release' as const, command: result.release }
      : undefined);
  return release ? [...running, release] : running;
}
