import { githubFailure } from './failure';

const repo = { host: 'github.com', owner: 'acme', name: 'shop' };
const api = 'https://api.github.com';
const http = (status: number, message: string) =>
  Object.assign(new Error(message), { status });

describe('githubFailure', () => {
  it.each([
    [
      'an unreachable API',
      Object.assign(new TypeError('fetch failed'), {
        cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
      }),
      'ServiceUnavailableError',
      'GitHub could not be reached at https://api.github.com (ECONNREFUSED). Check the network and integrations.github for github.com in app-config (apiBaseUrl); nothing was deployed.',
    ],
    [
      'bad credentials',
      http(401, 'Bad credentials'),
      'ServiceUnavailableError',
      'GitHub refused the credentials configured for github.com (HTTP 401). Renew the token or GitHub App key in integrations.github; nothing was deployed.',
    ],
    [
      'a used-up rate limit',
      http(403, 'API rate limit exceeded for installation'),
      'ServiceUnavailableError',
      "GitHub's API rate limit for github.com is used up (HTTP 403). Try again later, or use a GitHub App (higher limits); nothing was deployed.",
    ],
    [
      'a token without access',
      http(403, 'Resource not accessible by integration'),
      'NotAllowedError',
      'The credentials configured for github.com may not read acme/shop (HTTP 403). Give the GitHub App installation (or token) access to the repository.',
    ],
    [
      'a missing repository',
      http(404, 'Not Found'),
      'NotFoundError',
      'Repository acme/shop was not found or the credentials for github.com cannot see it. Check the github.com/project-slug annotation, and that the GitHub App is installed on it.',
    ],
    [
      'a server error',
      http(
        502,
        'Server Error\nrequest: {"headers":{"authorization":"token ghp_x"}}',
      ),
      'ServiceUnavailableError',
      'GitHub request failed (HTTP 502): Server Error',
    ],
  ])('says what to do about %s', (_, error, name, message) => {
    const failure = githubFailure(error, repo, api);
    expect({ name: failure.name, message: failure.message }).toEqual({
      name,
      message,
    });
    expect(failure.message).not.toContain('ghp_');
  });
});
