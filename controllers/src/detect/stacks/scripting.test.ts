import { BASE_IMAGES } from '../baseImages';
import { detect } from '../detect';
import { NoStartCommandError } from '../errors';
import { memoryTree } from '../fileTree';
import {
  expectGeneratedStructure,
  parseDockerfile,
} from '../__testUtils__/dockerfileStructure';
import { detectFixture } from '../__testUtils__/fixtures';

describe('ruby', () => {
  it.each([
    [
      'ruby-rails',
      'rails',
      'exec bundle exec rails server -b 0.0.0.0 -p "${PORT:-8080}"',
    ],
    [
      'ruby-rack',
      'rack',
      'exec bundle exec rackup --host 0.0.0.0 --port "${PORT:-8080}" config.ru',
    ],
  ])('%s', (name, framework, script) => {
    const plan = detectFixture(name);
    expect(plan).toMatchObject({
      stack: 'ruby',
      framework,
      packageManager: 'bundler',
    });
    expect(expectGeneratedStructure(plan.dockerfile)).toEqual([
      'sh',
      '-c',
      script,
      'sh',
    ]);
    const parsed = parseDockerfile(plan.dockerfile);
    expect(parsed.stages.map(s => s.image)).toEqual([
      BASE_IMAGES.rubyBuild,
      BASE_IMAGES.rubyRuntime,
    ]);
    expect(
      parsed.stages[0].instructions.find(i => i.keyword === 'COPY')!.json,
    ).toEqual(['Gemfile', 'Gemfile.lock', './']);
  });

  it('precompiles Rails assets when the app has them', () => {
    const plan = detect(
      memoryTree({
        Gemfile: "gem 'rails'\n",
        'config/application.rb': '',
        'bin/rails': '',
        'app/assets/config/manifest.js': '',
      }),
    );
    expect(plan.buildCommand?.[2]).toContain('assets:precompile');
  });

  it('wants a way to start a plain Gemfile project', () => {
    expect(() => detect(memoryTree({ Gemfile: "gem 'nokogiri'\n" }))).toThrow(
      NoStartCommandError,
    );
  });
});

describe('php', () => {
  it('installs composer dependencies in a vendor stage and serves public/', () => {
    const plan = detectFixture('php-composer');
    expect(plan).toMatchObject({ stack: 'php', packageManager: 'composer' });
    expect(expectGeneratedStructure(plan.dockerfile).slice(-1)).toEqual([
      'public',
    ]);
    const parsed = parseDockerfile(plan.dockerfile);
    expect(parsed.stages.map(s => s.image)).toEqual([
      BASE_IMAGES.composerBuild,
      BASE_IMAGES.phpRuntime,
    ]);
  });

  it('serves a plain index.php from the root in one stage', () => {
    const plan = detectFixture('php-plain');
    expect(plan.packageManager).toBeUndefined();
    expect(expectGeneratedStructure(plan.dockerfile).slice(-1)).toEqual(['.']);
    expect(parseDockerfile(plan.dockerfile).stages).toHaveLength(1);
  });

  it('recognises Laravel', () => {
    const plan = detect(
      memoryTree({
        'composer.json': JSON.stringify({
          require: { 'laravel/framework': '^11.0' },
        }),
        artisan: '',
        'public/index.php': '',
      }),
    );
    expect(plan.framework).toBe('laravel');
  });
});

describe('static', () => {
  it.each([
    ['static-root', '.'],
    ['static-public', 'public'],
  ])('%s serves %s with the static server', (name, source) => {
    const plan = detectFixture(name);
    expect(plan).toMatchObject({ stack: 'static' });
    expect(expectGeneratedStructure(plan.dockerfile)[0]).toBe('caddy');
    const parsed = parseDockerfile(plan.dockerfile);
    expect(parsed.stages.map(s => s.image)).toEqual([BASE_IMAGES.staticServer]);
    expect(
      parsed.final.instructions.find(i => i.keyword === 'COPY')!.json,
    ).toEqual([source, '/srv/']);
    // Plain sites answer 404 for unknown paths instead of falling back to index.html.
    expect(plan.dockerfile).not.toContain('try_files');
  });
});
