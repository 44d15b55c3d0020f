import { ConflictError, NotFoundError } from '@backstage/errors';
import {
  canTransition,
  isTerminalStatus,
  type AppSettings,
  type Branch,
  type Deployment,
  type DeploymentEvent,
  type DeploymentPage,
  type DeploymentStatus,
  type DomainState,
  type GitSettings,
  type Preview,
  type UpdateAppSettingsRequest,
  type UpdateGitSettingsRequest,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import type {
  DeploymentDetails,
  Kli8ntApi,
  LogStreamOptions,
  LogStreamTarget,
} from '../api/Kli8ntApi';

export const ENTITY_REF = 'component:default/hello';

let counter = 0;

/** A deployment with plausible defaults. */
export function makeDeployment(partial: Partial<Deployment> = {}): Deployment {
  counter += 1;
  const hex = counter.toString(16).padStart(12, '0');
  return {
    id: `00000000-0000-4000-8000-${hex}`,
    entityRef: ENTITY_REF,
    app: 'hello',
    cluster: 'local',
    ref: 'main',
    commitSha: `${hex}`.padEnd(40, 'a'),
    trigger: 'manual',
    requestedBy: 'user:default/jane',
    status: 'live',
    image: `registry.local/hello@sha256:${'b'.repeat(64)}`,
    url: 'https://hello.apps.example.com',
    createdAt: '2024-05-01T10:00:00.000Z',
    updatedAt: '2024-05-01T10:03:00.000Z',
    finishedAt: '2024-05-01T10:03:00.000Z',
    ...partial,
  };
}

export function makeSettings(partial: Partial<AppSettings> = {}): AppSettings {
  return {
    entityRef: ENTITY_REF,
    app: 'hello',
    port: 8080,
    replicas: 1,
    domains: [],
    env: {},
    secretEnvNames: [],
    version: 0,
    ...partial,
  };
}

/**
 * An in-memory {@link Kli8ntApi}: deployments live in an array (newest
 * first), every call is recorded, and any method can be made to fail.
 * Statuses move only as the backend moves them: by {@link report}, under
 * the shared transition rules.
 */
export class FakeKli8ntApi implements Kli8ntApi {
  deployments: Deployment[] = [];
  events: Record<string, DeploymentEvent[]> = {};
  settings: AppSettings = makeSettings();
  branches: Branch[] = [
    { name: 'main', commitSha: 'c'.repeat(40), isDefault: true },
    { name: 'develop', commitSha: 'd'.repeat(40), isDefault: false },
  ];
  gitSettings: GitSettings = {
    entityRef: ENTITY_REF,
    app: 'hello',
    previews: { enabled: false, limit: 3, secrets: false },
  };
  previews: Preview[] = [];
  logStreamUrl = 'ws://127.0.0.1:1/logs/stream';
  readonly calls: { method: keyof Kli8ntApi; args: unknown[] }[] = [];
  readonly failures: Partial<Record<keyof Kli8ntApi, Error>> = {};
  /** Set to a promise to hold a method until it resolves. */
  readonly gates: Partial<Record<keyof Kli8ntApi, Promise<void>>> = {};

  async #enter(method: keyof Kli8ntApi, args: unknown[]) {
    this.calls.push({ method, args });
    await this.gates[method];
    const failure = this.failures[method];
    if (failure) throw failure;
  }

  callsOf(method: keyof Kli8ntApi) {
    return this.calls.filter(c => c.method === method).map(c => c.args);
  }

  async listDeployments(options: {
    entityRef: string;
    cursor?: string;
    limit?: number;
  }): Promise<DeploymentPage> {
    await this.#enter('listDeployments', [options]);
    const start = options.cursor ? Number(options.cursor) : 0;
    const limit = options.limit ?? 20;
    // As the backend: the processes only come with one deployment's details.
    const items = this.deployments
      .filter(d => d.entityRef === options.entityRef)
      .slice(start, start + limit)
      .map(d => ({ ...d, processes: undefined }));
    const next = start + limit;
    return {
      items,
      nextCursor: next < this.deployments.length ? String(next) : undefined,
    };
  }

  async getDeployment(id: string): Promise<DeploymentDetails> {
    await this.#enter('getDeployment', [id]);
    return { ...this.#find(id), events: this.events[id] ?? [] };
  }

  async createDeployment(options: {
    entityRef: string;
    ref?: string;
  }): Promise<Deployment> {
    await this.#enter('createDeployment', [options]);
    const d = makeDeployment({
      entityRef: options.entityRef,
      ref: options.ref ?? 'main',
      status: 'queued',
      image: undefined,
      url: undefined,
      finishedAt: undefined,
    });
    this.deployments.unshift(d);
    return d;
  }

  async redeploy(id: string): Promise<Deployment> {
    await this.#enter('redeploy', [id]);
    return this.#copy(id, 'redeploy');
  }

  async rollback(id: string): Promise<Deployment> {
    await this.#enter('rollback', [id]);
    return this.#copy(id, 'rollback');
  }

  /**
   * The backend's rule: only work that has not reached a deploy controller
   * can be cancelled, and is at once. A build's rollout is sent when it is
   * built; a redeploy or rollback's when it is accepted.
   */
  async cancel(id: string): Promise<Deployment> {
    await this.#enter('cancel', [id]);
    const d = this.#find(id);
    if (isTerminalStatus(d.status)) {
      throw new ConflictError(
        `Deployment ${id} cannot be cancelled: it is already ${d.status}`,
      );
    }
    const built = d.trigger === 'manual' || d.trigger === 'scaffolder';
    if (!built || d.status === 'built' || d.status === 'deploying') {
      throw new ConflictError(
        `Deployment ${id} cannot be cancelled: its rollout was already sent to the cluster`,
      );
    }
    this.report(id, 'cancelled', {
      failureReason: 'Cancelled',
      failureMessage: `Cancelled by ${d.requestedBy}`,
    });
    return { ...d };
  }

  /**
   * A status report from a cluster, applied as the backend's INFORM consumer
   * applies it: a report that would move the deployment backwards, or
   * repeat its status, changes nothing. Returns whether it was applied.
   */
  report(
    id: string,
    status: DeploymentStatus,
    fields: Partial<
      Pick<Deployment, 'url' | 'image' | 'failureReason' | 'failureMessage'>
    > = {},
    at = new Date().toISOString(),
  ): boolean {
    const d = this.#find(id);
    if (!canTransition(d.status, status)) {
      return false;
    }
    Object.assign(d, fields, { status, updatedAt: at });
    if (isTerminalStatus(status)) d.finishedAt = at;
    return true;
  }

  async getAppSettings(entityRef: string): Promise<AppSettings> {
    await this.#enter('getAppSettings', [entityRef]);
    return this.settings;
  }

  async updateAppSettings(
    entityRef: string,
    request: UpdateAppSettingsRequest,
  ): Promise<AppSettings> {
    await this.#enter('updateAppSettings', [entityRef, request]);
    const version = this.settings.version ?? 0;
    if (request.version !== undefined && request.version !== version) {
      // As the client throws the backend's 409 (a ResponseError).
      throw Object.assign(
        new Error(
          `The settings were saved by someone else meanwhile (version ${version}, yours is ${request.version}); reload them and apply your change again`,
        ),
        { name: 'ResponseError', response: { status: 409 } },
      );
    }
    const secretNames = new Set(this.settings.secretEnvNames);
    for (const [name, value] of Object.entries(request.secretEnv ?? {})) {
      if (value === null) secretNames.delete(name);
      else secretNames.add(name);
    }
    this.settings = {
      ...this.settings,
      port: request.port ?? this.settings.port,
      replicas: request.replicas ?? this.settings.replicas,
      healthCheckPath:
        request.healthCheckPath === null
          ? undefined
          : request.healthCheckPath ?? this.settings.healthCheckPath,
      domains: request.domains ?? this.settings.domains,
      env: request.env ?? this.settings.env,
      secretEnvNames: [...secretNames],
      version: version + 1,
    };
    return this.settings;
  }

  /** Answers the current `settings.domainStates`, as the DNS would have them. */
  async verifyDomains(entityRef: string): Promise<DomainState[]> {
    await this.#enter('verifyDomains', [entityRef]);
    return this.settings.domainStates ?? [];
  }

  async deleteApp(entityRef: string): Promise<void> {
    await this.#enter('deleteApp', [entityRef]);
  }

  async getGitSettings(entityRef: string): Promise<GitSettings> {
    await this.#enter('getGitSettings', [entityRef]);
    return this.gitSettings;
  }

  async updateGitSettings(
    entityRef: string,
    request: UpdateGitSettingsRequest,
  ): Promise<GitSettings> {
    await this.#enter('updateGitSettings', [entityRef, request]);
    const { autoDeployBranch: _old, ...rest } = this.gitSettings;
    const branch =
      request.autoDeployBranch === undefined
        ? this.gitSettings.autoDeployBranch
        : request.autoDeployBranch ?? undefined;
    this.gitSettings = {
      ...rest,
      ...(branch ? { autoDeployBranch: branch } : {}),
      previews: { ...this.gitSettings.previews, ...request.previews },
    };
    return this.gitSettings;
  }

  async listPreviews(entityRef: string): Promise<Preview[]> {
    await this.#enter('listPreviews', [entityRef]);
    return this.previews;
  }

  async listBranches(entityRef: string): Promise<Branch[]> {
    await this.#enter('listBranches', [entityRef]);
    return this.branches;
  }

  async getLogStreamTarget(
    options: LogStreamOptions,
  ): Promise<LogStreamTarget> {
    await this.#enter('getLogStreamTarget', [options]);
    const url = new URL(this.logStreamUrl);
    for (const [key, value] of Object.entries(options)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return { url: url.toString(), protocols: ['kli8nt.token.test'] };
  }

  #find(id: string): Deployment {
    const d = this.deployments.find(x => x.id === id);
    if (!d) throw new NotFoundError(`Deployment ${id} was not found`);
    return d;
  }

  #copy(id: string, trigger: 'redeploy' | 'rollback'): Deployment {
    const source = this.#find(id);
    const d = makeDeployment({
      ...source,
      id: undefined,
      trigger,
      status: 'queued',
      finishedAt: undefined,
    });
    const fresh = makeDeployment({ ...d, id: makeDeployment().id });
    this.deployments.unshift(fresh);
    return fresh;
  }
}
