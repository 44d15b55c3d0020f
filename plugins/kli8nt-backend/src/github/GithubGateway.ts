import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import {
  DefaultGithubCredentialsProvider,
  GithubCredentialsProvider,
  ScmIntegrationRegistry,
  ScmIntegrations,
} from '@backstage/integration';
import { Octokit } from '@octokit/rest';
import { RepoRef } from '../database/types';
import { GithubAppCloneTokens } from './cloneTokens';
import { githubFailure, githubStatus as status } from './failure';
import { repoUrl } from './repo';

/** States of a GitHub deployment status. */
export type GithubDeploymentState =
  | 'error'
  | 'failure'
  | 'inactive'
  | 'in_progress'
  | 'queued'
  | 'pending'
  | 'success';

export interface RepositoryInfo {
  defaultBranch: string;
  cloneUrl: string;
  private: boolean;
}

export interface BranchInfo {
  name: string;
  commitSha: string;
}

/** What Kli8nt needs from GitHub. */
export interface GithubGateway {
  isGithubHost(host: string): boolean;
  getRepository(repo: RepoRef): Promise<RepositoryInfo>;
  listBranches(repo: RepoRef): Promise<BranchInfo[]>;
  /** The 40-hex commit SHA a branch, tag or SHA points to. */
  resolveCommit(repo: RepoRef, ref: string): Promise<string>;
  createDeployment(
    repo: RepoRef,
    options: {
      sha: string;
      environment: string;
      description: string;
      deploymentId: string;
    },
  ): Promise<number>;
  createDeploymentStatus(
    repo: RepoRef,
    githubDeploymentId: number,
    options: {
      state: GithubDeploymentState;
      description?: string;
      environmentUrl?: string;
    },
  ): Promise<void>;
  /**
   * A GitHub App installation token that can only read this repository's
   * contents, minted now (never cached), or undefined when no App is
   * installed on its owner. Never a personal access token. Never log it.
   */
  cloneToken(repo: RepoRef): Promise<string | undefined>;
  /** Whether the host has a GitHub App, so private repositories can build. */
  mintsCloneTokens(host: string): boolean;
}

const MAX_BRANCH_PAGES = 10;

/** {@link GithubGateway} on the GitHub REST API with credentials from `integrations.github`. */
export class OctokitGithubGateway implements GithubGateway {
  static fromConfig(config: Config): OctokitGithubGateway {
    const integrations = ScmIntegrations.fromConfig(config);
    return new OctokitGithubGateway(
      integrations,
      DefaultGithubCredentialsProvider.fromIntegrations(integrations),
    );
  }

  private readonly cloneTokens: GithubAppCloneTokens;

  constructor(
    private readonly integrations: ScmIntegrationRegistry,
    private readonly credentials: GithubCredentialsProvider,
  ) {
    this.cloneTokens = new GithubAppCloneTokens(
      host => integrations.github.byHost(host)?.config,
    );
  }

  isGithubHost(host: string): boolean {
    return this.integrations.github.byHost(host) !== undefined;
  }

  private async client(repo: RepoRef): Promise<Octokit> {
    const integration = this.integrations.github.byHost(repo.host);
    if (!integration) {
      throw new InputError(
        `No GitHub integration is configured for host '${repo.host}'`,
      );
    }
    // A GitHub App's credentials are fetched from GitHub too.
    const { token } = await this.credentials
      .getCredentials({ url: repoUrl(repo) })
      .catch(error => {
        throw this.failure(error, repo);
      });
    return new Octokit({
      auth: token,
      baseUrl: integration.config.apiBaseUrl,
      userAgent: 'kli8nt',
    });
  }

  private async call<T>(repo: RepoRef, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw this.failure(error, repo);
    }
  }

  private failure(error: unknown, repo: RepoRef): Error {
    const integration = this.integrations.github.byHost(repo.host);
    return githubFailure(
      error,
      repo,
      integration?.config.apiBaseUrl ?? `https://${repo.host}`,
    );
  }

  async getRepository(repo: RepoRef): Promise<RepositoryInfo> {
    const octokit = await this.client(repo);
    const { data } = await this.call(repo, () =>
      octokit.repos.get({ owner: repo.owner, repo: repo.name }),
    );
    return {
      defaultBranch: data.default_branch,
      cloneUrl: data.clone_url,
      private: data.private,
    };
  }

  async listBranches(repo: RepoRef): Promise<BranchInfo[]> {
    const octokit = await this.client(repo);
    const branches: BranchInfo[] = [];
    for (let page = 1; page <= MAX_BRANCH_PAGES; page++) {
      const { data } = await this.call(repo, () =>
        octokit.repos.listBranches({
          owner: repo.owner,
          repo: repo.name,
          per_page: 100,
          page,
        }),
      );
      branches.push(
        ...data.map(b => ({ name: b.name, commitSha: b.commit.sha })),
      );
      if (data.length < 100) {
        break;
      }
    }
    return branches;
  }

  async resolveCommit(repo: RepoRef, ref: string): Promise<string> {
    const octokit = await this.client(repo);
    try {
      const { data } = await octokit.repos.getCommit({
        owner: repo.owner,
        repo: repo.name,
        ref,
      });
      return data.sha;
    } catch (error) {
      // GitHub answers 422 for an unknown ref and 404 for an unknown repository
      // or ref; both mean the user asked for something that is not there.
      if (status(error) === 404 || status(error) === 422) {
        throw new InputError(
          `Ref '${ref}' was not found in ${repo.owner}/${repo.name}`,
        );
      }
      throw this.failure(error, repo);
    }
  }

  async createDeployment(
    repo: RepoRef,
    options: {
      sha: string;
      environment: string;
      description: string;
      deploymentId: string;
    },
  ): Promise<number> {
    const octokit = await this.client(repo);
    const response = await this.call(repo, () =>
      octokit.repos.createDeployment({
        owner: repo.owner,
        repo: repo.name,
        ref: options.sha,
        environment: options.environment,
        description: options.description.slice(0, 140),
        auto_merge: false,
        required_contexts: [],
        payload: { kli8ntDeploymentId: options.deploymentId },
      }),
    );
    if (response.status !== 201 || !('id' in response.data)) {
      throw new Error(
        `GitHub did not create a deployment (HTTP ${response.status})`,
      );
    }
    return response.data.id;
  }

  async createDeploymentStatus(
    repo: RepoRef,
    githubDeploymentId: number,
    options: {
      state: GithubDeploymentState;
      description?: string;
      environmentUrl?: string;
    },
  ): Promise<void> {
    const octokit = await this.client(repo);
    await this.call(repo, () =>
      octokit.repos.createDeploymentStatus({
        owner: repo.owner,
        repo: repo.name,
        deployment_id: githubDeploymentId,
        state: options.state,
        description: options.description?.slice(0, 140),
        environment_url: options.environmentUrl,
      }),
    );
  }

  async cloneToken(repo: RepoRef): Promise<string | undefined> {
    return this.call(repo, () => this.cloneTokens.mint(repo));
  }

  mintsCloneTokens(host: string): boolean {
    return this.cloneTokens.canMint(host);
  }
}
