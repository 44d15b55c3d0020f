import fs from 'node:fs';
import { buildPlanSchema } from '@kli8nt/backstage-plugin-kli8nt-common';
import { BASE_IMAGES } from './baseImages';
import { detect } from './detect';
import { NoStackDetectedError, UnsafeValueError } from './errors';
import { memoryTree } from './fileTree';
import { expectGeneratedStructure } from './__testUtils__/dockerfileStructure';
import {
  detectFixture,
  FIXTURES_DIR,
  thrownBy,
} from './__testUtils__/fixtures';

const fixtures = fs
  .readdirSync(FIXTURES_DIR, { withFileTypes: true })
  .filter(entry => entry.isDirectory())
  .map(entry => entry.name)
  .filter(
    name => !['empty', 'dockerfile', 'dockerfile-custom-path'].includes(name),
  );

describe('detect', () => {
  it.each(fixtures)(
    '%s: the plan fits the schema and the Dockerfile the rules',
    name => {
      const plan = detectFixture(name);
      expect(plan.generated).toBe(true);
      expect(expectGeneratedStructure(plan.dockerfile)).toEqual(
        plan.startCommand,
      );
      for (const image of plan.baseImages) {
        expect(Object.values(BASE_IMAGES)).toContain(image);
      }
      expect(plan.dockerignore!.split('\n')).toEqual(
        expect.arrayContaining(['.git', '.env']),
      );
    },
  );

  it('says everything it looked for when nothing matches', () => {
    const e = thrownBy(() => detectFixture('empty'));
    expect(e).toBeInstanceOf(NoStackDetectedError);
    const err = e as NoStackDetectedError;
    expect(err.code).toBe('NoStackDetected');
    expect(err.lookedFor).toEqual(
      expect.arrayContaining([
        'Dockerfile',
        'package.json',
        'requirements.txt',
        'go.mod',
        'pom.xml',
        'Gemfile',
        'composer.json',
        'Cargo.toml',
        '*.csproj',
        'index.html',
      ]),
    );
    expect(err.toJSON()).toMatchObject({
      name: 'NoStackDetectedError',
      code: 'NoStackDetected',
    });
  });

  it('prefers backend manifests over a package.json for assets', () => {
    const assets = { 'package.json': '{"scripts":{"build":"vite build"}}' };
    expect(
      detect(
        memoryTree({
          ...assets,
          Gemfile: "gem 'rails'",
          'config/application.rb': '',
        }),
      ).stack,
    ).toBe('ruby');
    expect(
      detect(
        memoryTree({
          ...assets,
          'requirements.txt': 'django\n',
          'manage.py': '',
        }),
      ).stack,
    ).toBe('python');
    expect(
      detect(
        memoryTree({
          ...assets,
          'composer.json': '{}',
          'public/index.php': '',
        }),
      ).stack,
    ).toBe('php');
  });

  it('lets a Procfile web: line override the start command of any stack', () => {
    const web = `node server.js --name "$(id)" \`uname\` 'q' && echo ü`;
    const plan = detect(
      memoryTree({
        'package.json': '{}',
        Procfile: `worker: node worker.js\nweb:   ${web}  \r\n`,
      }),
    );
    expect(plan.startCommand).toEqual(['sh', '-c', web]);
    expect(expectGeneratedStructure(plan.dockerfile)).toEqual([
      'sh',
      '-c',
      web,
    ]);
    expect(buildPlanSchema.parse(plan).startCommand).toEqual(['sh', '-c', web]);
  });

  it('rejects a Procfile command with NUL', () => {
    expect(() =>
      detect(memoryTree({ 'package.json': '{}', Procfile: 'web: a\u0000b' })),
    ).toThrow(UnsafeValueError);
  });

  it('rejects a start path with NUL instead of writing it', () => {
    expect(() =>
      detect(
        memoryTree({
          'package.json': '{"main":"a\\u0000.js","scripts":{"build":"x"}}',
        }),
      ),
    ).toThrow(UnsafeValueError);
  });

  it('keeps hostile file names from the repository in their place', () => {
    const names = [
      '$(id).js',
      '`id`.js',
      '"quoted".js',
      'new\nline.js',
      'a && b.js',
      'ünï.js',
      '\\back.js',
    ];
    for (const name of names) {
      const plan = detect(
        memoryTree({
          'package.json': JSON.stringify({ main: name }),
          [name]: '',
        }),
      );
      expect(expectGeneratedStructure(plan.dockerfile)).toEqual([
        'node',
        `./${name}`,
      ]);
      // The file has exactly the instructions of a harmless app.
      const harmless = detect(
        memoryTree({
          'package.json': JSON.stringify({ main: 'x.js' }),
          'x.js': '',
        }),
      );
      expect(plan.dockerfile.split('\n')).toHaveLength(
        harmless.dockerfile.split('\n').length,
      );
    }
  });

  it('is pure: the same tree gives the same plan', () => {
    expect(detectFixture('node-nextjs')).toEqual(detectFixture('node-nextjs'));
  });
});
