/*
 * GitHub Deployments and their statuses, as the backend mirrors a Kli8nt
 * deployment to GitHub: kept in the fake's state so tests can read back
 * what the backend reported (newest first, like GitHub lists them).
 */
import * as p from './payloads';
import { json, Reply } from './payloads';
import type { CommitInfo, RepoInfo } from './repos';
import { Caller, TokenStore } from './tokens';

const DEPLOYMENT_STATES = [
  'error',
  'failure',
  'inactive',
  'in_progress',
  'queued',
  'pending',
  'success',
];

export interface DeploymentState {
  nextId: number;
  deployments: p.StoredDeployment[];
}

const NOT_FOUND = json(404, p.message('Not Found', 404));

export class Deployments {
  constructor(
    private readonly state: DeploymentState,
    private readonly ctx: {
      urls: p.Urls;
      save(): void;
      now(): string;
      commit(
        owner: string,
        name: string,
        ref: string,
      ): Promise<CommitInfo | undefined>;
    },
  ) {}

  async route(
    method: string,
    caller: Caller,
    repo: RepoInfo,
    rest: string[],
    query: URLSearchParams,
    body: any,
  ): Promise<Reply> {
    const mine = this.state.deployments.filter(
      d => d.owner === repo.owner && d.repo === repo.name,
    );
    const writer = TokenStore.canWrite(
      caller,
      repo.owner,
      repo.name,
      'deployments',
    );
    if (method === 'POST' && !writer)
      return json(
        caller.kind === 'anonymous' ? 401 : 403,
        p.message('Requires authentication', 401),
      );
    if (rest.length === 0) {
      if (method === 'GET') {
        const env = query.get('environment');
        const list = mine
          .filter(d => !env || d.environment === env)
          .sort((a, b) => b.id - a.id);
        return json(
          200,
          list.map(d => p.deployment(this.ctx.urls, d)),
        );
      }
      if (method !== 'POST' || typeof body?.ref !== 'string')
        return json(422, p.message('Invalid request: ref is required', 422));
      const c = await this.ctx.commit(repo.owner, repo.name, body.ref);
      if (!c) return json(422, p.message(`No ref found for: ${body.ref}`, 422));
      const environment =
        typeof body.environment === 'string' ? body.environment : 'production';
      const d: p.StoredDeployment = {
        id: this.state.nextId++,
        owner: repo.owner,
        repo: repo.name,
        sha: c.sha,
        ref: body.ref,
        task: typeof body.task === 'string' ? body.task : 'deploy',
        payload: body.payload ?? {},
        environment,
        description:
          typeof body.description === 'string' ? body.description : null,
        transient_environment: Boolean(body.transient_environment),
        production_environment:
          body.production_environment ?? environment === 'production',
        created_at: this.ctx.now(),
        statuses: [],
      };
      this.state.deployments.push(d);
      this.ctx.save();
      return json(201, p.deployment(this.ctx.urls, d));
    }
    const d = mine.find(x => String(x.id) === rest[0]);
    if (!d) return NOT_FOUND;
    if (rest.length === 1 && method === 'GET')
      return json(200, p.deployment(this.ctx.urls, d));
    if (rest[1] !== 'statuses') return NOT_FOUND;
    if (method === 'GET')
      return json(
        200,
        [...d.statuses]
          .reverse()
          .map(s => p.deploymentStatus(this.ctx.urls, d, s)),
      );
    if (method !== 'POST' || !DEPLOYMENT_STATES.includes(body?.state)) {
      return json(422, p.message(`Invalid state: ${String(body?.state)}`, 422));
    }
    const s: p.StoredStatus = {
      id: this.state.nextId++,
      state: body.state,
      description: typeof body.description === 'string' ? body.description : '',
      environment:
        typeof body.environment === 'string' ? body.environment : d.environment,
      environment_url:
        typeof body.environment_url === 'string' ? body.environment_url : '',
      log_url: typeof body.log_url === 'string' ? body.log_url : '',
      created_at: this.ctx.now(),
    };
    d.statuses.push(s);
    this.ctx.save();
    return json(201, p.deploymentStatus(this.ctx.urls, d, s));
  }
}
