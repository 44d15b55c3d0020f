import {
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { RepoRef } from '../database/types';

/** The HTTP status of an Octokit error, if GitHub answered at all. */
export function githubStatus(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'status' in error
    ? Number((error as { status: unknown }).status)
    : undefined;
}

/** The system error code (ECONNREFUSED, ENOTFOUND…) anywhere in the cause chain. */
function networkCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Turns a failed GitHub call into an error that says what went wrong and
 * what to do next, in words a portal user or operator can act on (the
 * Deploy tab shows the message as it is). Octokit errors carry the request,
 * headers included; only a short message is kept, so no token reaches
 * clients or logs.
 */
export function githubFailure(
  error: unknown,
  repo: RepoRef,
  apiBaseUrl: string,
): Error {
  const code = githubStatus(error);
  const slug = `${repo.owner}/${repo.name}`;
  const detail = (error instanceof Error ? error.message : String(error))
    .split('\n')[0]
    .slice(0, 200);
  // Octokit reports a request that got no answer as HTTP 500 without a response.
  const unanswered =
    code === undefined ||
    (typeof error === 'object' &&
      error !== null &&
      'request' in error &&
      !(error as { response?: unknown }).response);
  if (unanswered) {
    const reason = networkCode(error) ?? detail;
    return new ServiceUnavailableError(
      `GitHub could not be reached at ${apiBaseUrl} (${reason}). Check the network ` +
        `and integrations.github for ${repo.host} in app-config (apiBaseUrl); nothing was deployed.`,
    );
  }
  if (code === 401) {
    return new ServiceUnavailableError(
      `GitHub refused the credentials configured for ${repo.host} (HTTP 401). Renew the ` +
        'token or GitHub App key in integrations.github; nothing was deployed.',
    );
  }
  if (code === 403 && /rate limit/i.test(detail)) {
    return new ServiceUnavailableError(
      `GitHub's API rate limit for ${repo.host} is used up (HTTP 403). Try again later, ` +
        'or use a GitHub App (higher limits); nothing was deployed.',
    );
  }
  if (code === 403) {
    return new NotAllowedError(
      `The credentials configured for ${repo.host} may not read ${slug} (HTTP 403). Give the ` +
        'GitHub App installation (or token) access to the repository.',
    );
  }
  if (code === 404) {
    return new NotFoundError(
      `Repository ${slug} was not found or the credentials for ${repo.host} cannot see it. ` +
        'Check the github.com/project-slug annotation, and that the GitHub App is installed on it.',
    );
  }
  return new ServiceUnavailableError(
    `GitHub request failed (HTTP ${code}): ${detail}`,
  );
}
