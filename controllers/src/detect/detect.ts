import { BuildPlan } from '@internal/backstage-plugin-kli8nt-common';
import { DEFAULT_PORT } from './baseImages';
import { DetectContext, StackDetector } from './common';
import { NoStackDetectedError } from './errors';
import { FileTree, TreeIndex } from './fileTree';
import { procfileWeb } from './procfile';
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
}

/**
 * Detectors in priority order. Manifests that name a backend language come
 * before package.json, because Rails, Django and Laravel apps often carry a
 * package.json for their assets. Bare entry files (index.php, main.py,
 * index.html) only count when no manifest matched.
 */
const DETECTORS: Array<{ detector: StackDetector; lookedFor: string[] }> = [
  { detector: detectRuby, lookedFor: ['Gemfile'] },
  { detector: detectPhp, lookedFor: ['composer.json'] },
  {
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
    detector: detectJava,
    lookedFor: ['pom.xml', 'build.gradle', 'build.gradle.kts'],
  },
  { detector: detectGo, lookedFor: ['go.mod'] },
  { detector: detectRust, lookedFor: ['Cargo.toml'] },
  { detector: detectDotnet, lookedFor: ['*.csproj', '*.fsproj'] },
  { detector: detectNode, lookedFor: ['package.json'] },
  {
    detector: ctx => detectPhp(ctx, { weak: true }),
    lookedFor: ['index.php', 'public/index.php'],
  },
  {
    detector: ctx => detectPython(ctx, { weak: true }),
    lookedFor: PYTHON_ENTRY_FILES,
  },
  { detector: detectStatic, lookedFor: ['index.html', 'public/index.html'] },
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

  const web = procfileWeb(index);
  const ctx: DetectContext = {
    tree: index,
    startOverride: web ? ['sh', '-c', web] : undefined,
  };
  for (const { detector } of DETECTORS) {
    const result = detector(ctx);
    if (result) {
      const notes = [...result.notes];
      if (web) notes.push('start command from the Procfile web: line');
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
        startCommand: result.dockerfile.command,
        port: DEFAULT_PORT,
        dockerfilePath: 'Dockerfile',
        generated: true,
        dockerfile: result.dockerfile.render(),
        dockerignore: `${[...new Set(result.dockerignore)].join('\n')}\n`,
        baseImages: [...new Set(result.dockerfile.images)],
        notes,
      };
    }
  }
  throw new NoStackDetectedError(
    'Could not detect how to build this repository: none of the files the detector knows were found. Add a Dockerfile, or one of the files listed.',
    { lookedFor: ['Dockerfile', ...DETECTORS.flatMap(d => d.lookedFor)] },
  );
}
