import { BASE_IMAGES, RUNTIME_USER } from '../baseImages';
import {
  BASE_IGNORE,
  DetectContext,
  StackResult,
  asRecord,
  header,
  parseJsonManifest,
  portEnv,
  runtimeTail,
} from '../common';
import { DockerfileBuilder, shellCommand } from '../dockerfile';

export function detectPhp(
  ctx: DetectContext,
  options: { weak?: boolean } = {},
): StackResult | undefined {
  const { tree } = ctx;
  const composer = tree.has('composer.json');
  const plain = tree.has('index.php') || tree.has('public/index.php');
  if (!composer && !(options.weak && plain)) {
    return undefined;
  }
  const notes: string[] = [];
  let framework: string | undefined;
  if (composer) {
    const manifest = parseJsonManifest(tree, 'composer.json', 'php');
    const require = asRecord(manifest.require);
    if ('laravel/framework' in require) framework = 'laravel';
    else if ('symfony/framework-bundle' in require) framework = 'symfony';
    else if ('slim/slim' in require) framework = 'slim';
  }
  const docroot = tree.has('public/index.php') || framework ? 'public' : '.';
  const start =
    ctx.startOverride ??
    shellCommand('exec php -S "0.0.0.0:${PORT:-8080}" -t "$1"', docroot);

  const b = new DockerfileBuilder(header('php', framework));
  let install: string[] | undefined;
  if (composer) {
    b.from(BASE_IMAGES.composerBuild, 'vendor');
    b.workdir('/app');
    b.copy(
      [
        'composer.json',
        ...(tree.has('composer.lock') ? ['composer.lock'] : []),
      ],
      './',
    );
    install = [
      'composer',
      'install',
      '--no-dev',
      '--no-scripts',
      '--no-autoloader',
      '--prefer-dist',
      '--no-interaction',
      '--ignore-platform-reqs',
    ];
    b.run(install);
    b.copy(['.'], './');
    b.run([
      'composer',
      'dump-autoload',
      '--no-dev',
      '--optimize',
      '--no-interaction',
    ]);
  }
  b.from(BASE_IMAGES.phpRuntime);
  b.env(portEnv({ PHP_CLI_SERVER_WORKERS: '4' }));
  b.workdir('/app');
  if (composer) {
    b.copy(['/app'], '/app', { from: 'vendor', chown: RUNTIME_USER });
  } else {
    b.copy(['.'], '/app', { chown: RUNTIME_USER });
  }
  notes.push(
    `serving ${
      docroot === '.' ? 'the repository root' : 'public/'
    } with PHP's built-in server`,
  );
  runtimeTail(b, start);
  return {
    stack: 'php',
    framework,
    packageManager: composer ? 'composer' : undefined,
    installCommand: install,
    dockerfile: b,
    dockerignore: [...BASE_IGNORE, 'vendor', 'node_modules'],
    notes,
  };
}
