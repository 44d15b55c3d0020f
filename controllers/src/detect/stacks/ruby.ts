import { BASE_IMAGES, RUNTIME_USER } from '../baseImages';
import {
  BASE_IGNORE,
  DetectContext,
  StackResult,
  header,
  portEnv,
  runtimeTail,
} from '../common';
import { DockerfileBuilder, shellCommand } from '../dockerfile';
import { NoStartCommandError } from '../errors';

export function detectRuby(ctx: DetectContext): StackResult | undefined {
  const { tree } = ctx;
  if (!tree.has('Gemfile')) {
    return undefined;
  }
  const notes: string[] = [];
  const gemfile = `${tree.read('Gemfile') ?? ''}\n${
    tree.read('Gemfile.lock') ?? ''
  }`;
  const rails =
    tree.has('config/application.rb') ||
    /^\s*gem\s+['"]rails['"]/m.test(gemfile);
  const rack = tree.has('config.ru');
  let framework: string | undefined;
  if (rails) framework = 'rails';
  else if (rack) framework = 'rack';
  const locked = tree.has('Gemfile.lock');
  const bundleEnv: Record<string, string> = {
    BUNDLE_PATH: '/usr/local/bundle',
    BUNDLE_WITHOUT: 'development:test',
    ...(locked ? { BUNDLE_DEPLOYMENT: '1' } : {}),
  };

  let start = ctx.startOverride;
  if (!start) {
    if (rails) {
      start = shellCommand(
        'exec bundle exec rails server -b 0.0.0.0 -p "${PORT:-8080}"',
      );
    } else if (rack) {
      start = shellCommand(
        'exec bundle exec rackup --host 0.0.0.0 --port "${PORT:-8080}" config.ru',
      );
    } else {
      const entry = tree.first('app.rb', 'main.rb', 'server.rb');
      if (!entry) {
        throw new NoStartCommandError(
          'Found a Gemfile but no way to start the app',
          {
            stack: 'ruby',
            lookedFor: [
              'Procfile with a web: line',
              'config/application.rb (Rails)',
              'config.ru (Rack)',
              'app.rb',
              'main.rb',
              'server.rb',
            ],
          },
        );
      }
      start = ['bundle', 'exec', 'ruby', entry];
    }
  }

  const install = ['bundle', 'install', '--jobs', '4'];
  const b = new DockerfileBuilder(header('ruby', framework));
  b.from(BASE_IMAGES.rubyBuild, 'build');
  b.env(bundleEnv);
  b.workdir('/app');
  b.copy(['Gemfile', ...(locked ? ['Gemfile.lock'] : [])], './');
  b.run(install);
  b.copy(['.'], './');
  let build: string[] | undefined;
  if (
    rails &&
    tree.has('bin/rails') &&
    (tree.hasDir('app/assets') || tree.hasDir('app/javascript'))
  ) {
    build = shellCommand(
      'SECRET_KEY_BASE_DUMMY=1 RAILS_ENV=production ./bin/rails assets:precompile',
    );
    b.run(build);
  }
  if (rails) {
    notes.push(
      'Rails in production needs SECRET_KEY_BASE (or RAILS_MASTER_KEY) in the app secrets',
    );
  }
  if (!locked) notes.push('no Gemfile.lock: gems are resolved at build time');

  b.from(BASE_IMAGES.rubyRuntime);
  b.env(
    portEnv({
      ...bundleEnv,
      RAILS_ENV: 'production',
      RACK_ENV: 'production',
      RAILS_LOG_TO_STDOUT: '1',
      RAILS_SERVE_STATIC_FILES: '1',
      HOME: '/tmp',
    }),
  );
  b.workdir('/app');
  b.copy(['/usr/local/bundle'], '/usr/local/bundle', { from: 'build' });
  b.copy(['/app'], '/app', { from: 'build', chown: RUNTIME_USER });
  runtimeTail(b, start);
  return {
    stack: 'ruby',
    framework,
    packageManager: 'bundler',
    installCommand: install,
    buildCommand: build,
    dockerfile: b,
    dockerignore: [
      ...BASE_IGNORE,
      'vendor/bundle',
      'log/*',
      'tmp/*',
      'node_modules',
      'public/assets',
    ],
    notes,
  };
}
