import { InputError } from '@backstage/errors';
import { formatValidationError, repoPathSchema } from './validation';

/**
 * Entity annotation naming the subdirectory of the repository that is the
 * app (a monorepo app): the build context, what detection sees, and the
 * paths a push must touch to redeploy it. Absent or empty: the repo root.
 *
 * @public
 */
export const SOURCE_PATH_ANNOTATION = 'kli8nt.io/source-path';

/**
 * Schema of a normalized source path as it travels in messages: a relative
 * POSIX path without `.`/`..` segments, leading or trailing `/`. The root is
 * not written at all (the field is optional), so `''` is refused here.
 *
 * @public
 */
export const sourcePathSchema = repoPathSchema;

/**
 * The normalized source path of an entity from its `kli8nt.io/source-path`
 * annotation: `'apps/web'` for `./apps/web/`, `''` for the repository root
 * (absent, empty, `.` or `/`-free equivalents of it). Throws an `InputError`
 * naming the annotation for absolute paths, `..`, backslashes, NUL or
 * characters outside letters, digits and `. _ -`.
 *
 * @public
 */
export function readSourcePath(
  annotations: Record<string, string | undefined> | undefined,
): string {
  const raw = annotations?.[SOURCE_PATH_ANNOTATION];
  if (raw === undefined) return '';
  const fail = (why: string): never => {
    throw new InputError(
      `annotation ${SOURCE_PATH_ANNOTATION} ${JSON.stringify(raw)}: ${why}; ` +
        `set it to a directory relative to the repository root, such as apps/web`,
    );
  };
  if (typeof raw !== 'string') return fail('must be a string');
  if (raw.includes('\0')) return fail('must not contain NUL');
  if (raw.includes('\\')) return fail('must use / as separator, not \\');
  const trimmed = raw.trim();
  if (trimmed.startsWith('/')) return fail('must be relative, not absolute');
  const segments = trimmed.split('/').filter(s => s !== '' && s !== '.');
  if (segments.includes('..')) return fail('must not contain ..');
  const normalized = segments.join('/');
  if (normalized === '') return '';
  const result = sourcePathSchema.safeParse(normalized);
  if (!result.success) {
    return fail(formatValidationError(result.error).replace(/^\(root\): /, ''));
  }
  return result.data;
}

/**
 * Whether a push that changed `changedPaths` (repository-relative, as in a
 * GitHub push event) touches the app at `sourcePath`. The root is touched
 * by everything; `apps/web` by `apps/web/x` and `apps/web` itself, never by
 * `apps/website/x`.
 *
 * @public
 */
export function touchesSourcePath(
  sourcePath: string,
  changedPaths: readonly string[],
): boolean {
  if (sourcePath === '') return true;
  const prefix = `${sourcePath}/`;
  return changedPaths.some(p => {
    const path = p.replace(/^\.\//, '').replace(/^\/+/, '');
    return path === sourcePath || path.startsWith(prefix);
  });
}
