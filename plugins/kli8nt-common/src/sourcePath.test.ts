import { InputError } from '@backstage/errors';
import {
  SOURCE_PATH_ANNOTATION,
  readSourcePath,
  sourcePathSchema,
  touchesSourcePath,
} from './sourcePath';

const read = (value: string | undefined) =>
  readSourcePath({ [SOURCE_PATH_ANNOTATION]: value });

describe('readSourcePath', () => {
  it('is the root when the annotation is absent, empty or only dots and slashes', () => {
    expect(readSourcePath(undefined)).toBe('');
    expect(readSourcePath({})).toBe('');
    expect(read(undefined)).toBe('');
    expect(read('')).toBe('');
    expect(read('.')).toBe('');
    expect(read('./')).toBe('');
    expect(read(' ./. ')).toBe('');
  });

  it('normalizes to a relative POSIX path', () => {
    expect(read('apps/web')).toBe('apps/web');
    expect(read('./apps/web/')).toBe('apps/web');
    expect(read('apps//web/./')).toBe('apps/web');
    expect(read(' services/api_v2.x ')).toBe('services/api_v2.x');
  });

  it.each([
    ['/apps/web', 'must be relative, not absolute'],
    ['apps/../secrets', 'must not contain ..'],
    ['..', 'must not contain ..'],
    ['apps\\web', 'must use / as separator'],
    ['apps/\0web', 'must not contain NUL'],
    ['apps/my web', 'must be a relative path of letters, digits'],
    ['-rf', 'must not start with -'],
  ])('refuses %j with a reason naming the annotation', (value, why) => {
    const error = (() => {
      try {
        read(value);
      } catch (e) {
        return e;
      }
      throw new Error('expected a throw');
    })();
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toContain(
      `annotation kli8nt.io/source-path ${JSON.stringify(value)}`,
    );
    expect((error as Error).message).toContain(why);
    expect((error as Error).message).toContain('such as apps/web');
  });

  it('gives what the message schema accepts', () => {
    for (const value of ['apps/web', './a/b/', 'x']) {
      expect(sourcePathSchema.safeParse(read(value)).success).toBe(true);
    }
    expect(sourcePathSchema.safeParse('').success).toBe(false);
    expect(sourcePathSchema.safeParse('a/../b').success).toBe(false);
    expect(sourcePathSchema.safeParse('/a').success).toBe(false);
  });
});

describe('touchesSourcePath', () => {
  it('touches everything at the root, even a push without file changes', () => {
    expect(touchesSourcePath('', ['README.md'])).toBe(true);
    expect(touchesSourcePath('', [])).toBe(true);
  });

  it('is touched by paths under the directory, not by a sibling sharing its prefix', () => {
    expect(touchesSourcePath('apps/web', ['apps/web/src/x.ts'])).toBe(true);
    expect(touchesSourcePath('apps/web', ['apps/web'])).toBe(true);
    expect(touchesSourcePath('apps/web', ['apps/website/x'])).toBe(false);
    expect(touchesSourcePath('apps/web', ['apps/api/x', 'README.md'])).toBe(
      false,
    );
    expect(touchesSourcePath('apps/web', ['docs/a', 'apps/web/b'])).toBe(true);
    expect(touchesSourcePath('apps/web', [])).toBe(false);
  });

  it('ignores a leading ./ or / on changed paths', () => {
    expect(touchesSourcePath('apps/web', ['./apps/web/a'])).toBe(true);
    expect(touchesSourcePath('apps/web', ['/apps/web/a'])).toBe(true);
  });
});
