import { createSign } from 'node:crypto';
import {
  GithubAppConfig,
  GithubIntegrationConfig,
} from '@backstage/integration';
import { Octokit } from '@octokit/rest';
import { RepoRef } from '../database/types';
import { githubStatus } from './failure';

/**
 * What a build's clone token may do: read the contents of its one
 * repository. GitHub caps installation tokens at an hour.
 */
export const CLONE_TOKEN_PERMISSIONS = { contents: 'read' } as const;

/** A JWT the App signs for itself (RS256; GitHub allows ≤ 10 minutes). */
export function appJwt(app: GithubAppConfig, nowMs: number): string {
  const now = Math.floor(nowMs / 1000);
  const part = (value: object) =>
    Buffer.from(JSON.stringify(value)).toString('base64url');
  // iat in the past tolerates clock drift, as GitHub recommends.
  const unsigned = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({
    iat: now - 60,
    exp: now + 540,
    iss: String(app.appId),
  })}`;
  const signature = createSign('RSA-SHA256')
    .update(unsigned)
    .sign(app.privateKey.replace(/\\n/g, '\n'), 'base64url');
  return `${unsigned}.${signature}`;
}

/**
 * Mints clone tokens as a GitHub App: one installation token per build,
 * scoped to the build's repository with `contents: read`, asked for when
 * the message is published and never cached (Backstage's credentials
 * provider caches installation-wide tokens; those stay in the backend for
 * its own API calls). A personal access token is never handed out: a host
 * without an App clones anonymously, so only public repositories build.
 */
export class GithubAppCloneTokens {
  constructor(
    private readonly integration: (
      host: string,
    ) => GithubIntegrationConfig | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether builds of this host's private repositories can get a token. */
  canMint(host: string): boolean {
    return (this.integration(host)?.apps ?? []).length > 0;
  }

  /**
   * A token for the repository, or undefined when no configured App is
   * installed on its owner (the clone is then anonymous).
   */
  async mint(repo: RepoRef): Promise<string | undefined> {
    const integration = this.integration(repo.host);
    for (const app of integration?.apps ?? []) {
      const allowed = app.allowedInstallationOwners;
      if (
        allowed &&
        !allowed.some(o => o.toLowerCase() === repo.owner.toLowerCase())
      ) {
        continue;
      }
      const octokit = new Octokit({
        auth: appJwt(app, this.now()),
        baseUrl: integration!.apiBaseUrl,
        userAgent: 'kli8nt',
      });
      let installationId: number;
      try {
        const { data } = await octokit.apps.getRepoInstallation({
          owner: repo.owner,
          repo: repo.name,
        });
        installationId = data.id;
      } catch (error) {
        if (githubStatus(error) === 404) continue;
        throw error;
      }
      const { data } = await octokit.apps.createInstallationAccessToken({
        installation_id: installationId,
        repositories: [repo.name],
        permissions: CLONE_TOKEN_PERMISSIONS,
      });
      return data.token;
    }
    return undefined;
  }
}
