import { z } from 'zod/v4';

// Where a build comes from: commits, refs, GitHub repositories, clone URLs
// and paths inside a repository. Each is safe to hand to git as an argument.

/**
 * A full git commit SHA-1: 40 lowercase hexadecimal characters.
 *
 * @public
 */
export const commitShaSchema = z
  .string()
  .max(40, 'must be a 40-character lowercase hex commit SHA')
  .regex(/^[0-9a-f]{40}$/, 'must be a 40-character lowercase hex commit SHA');

/**
 * A git ref or branch name that is safe to pass to git as an argument: at
 * most 255 characters of `A-Z a-z 0-9 . _ / + -`, following the rules of
 * `git check-ref-format` (no `..`, no `//`, no component starting with `.` or
 * ending with `.lock`, not starting with `-` or `/`, not ending with `/` or
 * `.`, not `@`).
 *
 * @public
 */
export const gitRefSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(255, 'must be at most 255 characters')
  .regex(
    /^[A-Za-z0-9._/+-]+$/,
    'must be a git ref: letters, digits and . _ / + - only',
  )
  .refine(
    v =>
      !v.startsWith('-') &&
      !v.startsWith('/') &&
      !v.endsWith('/') &&
      !v.endsWith('.') &&
      !v.includes('..') &&
      !v.includes('//') &&
      v !== '@' &&
      v
        .split('/')
        .every(part => !part.startsWith('.') && !part.endsWith('.lock')),
    'must be a valid git ref name (see git check-ref-format)',
  );

/**
 * A GitHub user or organization name: 1–39 letters, digits or single
 * hyphens, not starting or ending with a hyphen.
 *
 * @public
 */
export const githubOwnerSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(39, 'must be at most 39 characters')
  .regex(
    /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9]))*$/,
    'must be a GitHub owner: letters, digits and single hyphens',
  );

/**
 * A GitHub repository name: 1–100 letters, digits, `.`, `_` or `-`, other than
 * `.` and `..`, and not starting with `-` (so it can never read as a
 * command-line option).
 *
 * @public
 */
export const githubRepoNameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .regex(
    /^[A-Za-z0-9._-]+$/,
    'must be a GitHub repository name: letters, digits and . _ -',
  )
  .refine(v => v !== '.' && v !== '..', 'must not be . or ..')
  .refine(v => !v.startsWith('-'), 'must not start with -');

/**
 * An https clone URL without credentials, query or fragment, such as
 * `https://github.com/acme/shop.git`.
 *
 * @public
 */
export const cloneUrlSchema = z
  .string()
  .max(2048, 'must be at most 2048 characters')
  .superRefine((value, ctx) => {
    const problem = cloneUrlProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

function cloneUrlProblem(value: string): string | undefined {
  if (!/^https:\/\/[A-Za-z0-9.:[\]/_~%+-]+$/.test(value)) {
    return 'must be an https URL such as https://github.com/owner/repo.git';
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an https URL such as https://github.com/owner/repo.git';
  }
  if (url.protocol !== 'https:') return 'must use https';
  if (url.username || url.password) return 'must not contain credentials';
  if (url.search || url.hash) return 'must not have a query or fragment';
  const segments = value.slice(`https://${url.host}`.length).split('/');
  if (segments.some(s => s === '.' || s === '..' || /%2e/i.test(s))) {
    return 'must not contain . or .. path segments';
  }
  if (url.pathname.split('/').filter(Boolean).length < 2) {
    return 'must name a repository path such as /owner/repo.git';
  }
  return undefined;
}

/**
 * A Dockerfile path relative to the repository root, without `.` or `..`
 * segments, not starting with `-`, at most 255 characters.
 *
 * @public
 */
export const repoPathSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(255, 'must be at most 255 characters')
  .regex(
    /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/,
    'must be a relative path of letters, digits and . _ - separated by /',
  )
  .refine(
    v => v.split('/').every(part => part !== '.' && part !== '..'),
    'must not contain . or .. segments',
  )
  .refine(v => !v.startsWith('-'), 'must not start with -');
