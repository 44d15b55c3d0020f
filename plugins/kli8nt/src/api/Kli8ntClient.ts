import { ResponseError } from '@backstage/errors';
import {
  discoveryApiRef,
  fetchApiRef,
  identityApiRef,
  type DiscoveryApi,
  type FetchApi,
  type IdentityApi,
} from '@backstage/frontend-plugin-api';
import {
  LOG_STREAM_TOKEN_PROTOCOL_PREFIX,
  type AppSettings,
  type Branch,
  type BranchList,
  type Deployment,
  type DeploymentPage,
  type DomainState,
  type GitSettings,
  type Preview,
  type UpdateAppSettingsRequest,
  type UpdateGitSettingsRequest,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import {
  kli8ntApiRef,
  type DeploymentDetails,
  type Kli8ntApi,
  type LogStreamOptions,
  type LogStreamTarget,
} from './Kli8ntApi';

/** Path of the logs WebSocket below the plugin's base URL. */
export const LOG_STREAM_PATH = '/logs/stream';

/**
 * The {@link Kli8ntApi} over the backend's REST API and logs WebSocket.
 *
 * @public
 */
export class Kli8ntClient implements Kli8ntApi {
  readonly #discoveryApi: DiscoveryApi;
  readonly #fetchApi: FetchApi;
  readonly #identityApi: Pick<IdentityApi, 'getCredentials'>;

  constructor(options: {
    discoveryApi: DiscoveryApi;
    fetchApi: FetchApi;
    identityApi: Pick<IdentityApi, 'getCredentials'>;
  }) {
    this.#discoveryApi = options.discoveryApi;
    this.#fetchApi = options.fetchApi;
    this.#identityApi = options.identityApi;
  }

  /** {@inheritDoc Kli8ntApi.listDeployments} */
  async listDeployments(options: {
    entityRef: string;
    cursor?: string;
    limit?: number;
  }): Promise<DeploymentPage> {
    return this.#request('GET', '/deployments', {
      query: {
        entityRef: options.entityRef,
        cursor: options.cursor,
        limit: options.limit?.toString(),
      },
    });
  }

  /** {@inheritDoc Kli8ntApi.getDeployment} */
  async getDeployment(id: string): Promise<DeploymentDetails> {
    const deployment = await this.#request<
      Deployment & { events?: DeploymentDetails['events'] }
    >('GET', `/deployments/${encodeURIComponent(id)}`);
    return { ...deployment, events: deployment.events ?? [] };
  }

  /** {@inheritDoc Kli8ntApi.createDeployment} */
  async createDeployment(options: {
    entityRef: string;
    ref?: string;
  }): Promise<Deployment> {
    const body: Record<string, string> = { entityRef: options.entityRef };
    if (options.ref) {
      body.ref = options.ref;
    }
    return this.#request('POST', '/deployments', { body });
  }

  /** {@inheritDoc Kli8ntApi.redeploy} */
  async redeploy(id: string): Promise<Deployment> {
    return this.#request(
      'POST',
      `/deployments/${encodeURIComponent(id)}/redeploy`,
      { body: { reason: 'redeploy' } },
    );
  }

  /** {@inheritDoc Kli8ntApi.rollback} */
  async rollback(id: string): Promise<Deployment> {
    return this.#request(
      'POST',
      `/deployments/${encodeURIComponent(id)}/redeploy`,
      { body: { reason: 'rollback' } },
    );
  }

  /** {@inheritDoc Kli8ntApi.cancel} */
  async cancel(id: string): Promise<Deployment> {
    return this.#request(
      'POST',
      `/deployments/${encodeURIComponent(id)}/cancel`,
      { body: {} },
    );
  }

  /** {@inheritDoc Kli8ntApi.getAppSettings} */
  async getAppSettings(entityRef: string): Promise<AppSettings> {
    return this.#request('GET', '/apps/settings', { query: { entityRef } });
  }

  /** {@inheritDoc Kli8ntApi.updateAppSettings} */
  async updateAppSettings(
    entityRef: string,
    request: UpdateAppSettingsRequest,
  ): Promise<AppSettings> {
    return this.#request('PUT', '/apps/settings', {
      query: { entityRef },
      body: request,
    });
  }

  /** {@inheritDoc Kli8ntApi.verifyDomains} */
  async verifyDomains(entityRef: string): Promise<DomainState[]> {
    const { items } = await this.#request<{ items: DomainState[] }>(
      'POST',
      '/apps/domains/verify',
      { query: { entityRef }, body: {} },
    );
    return items;
  }

  /** {@inheritDoc Kli8ntApi.deleteApp} */
  async deleteApp(entityRef: string): Promise<void> {
    await this.#request('DELETE', '/apps', { query: { entityRef } });
  }

  /** {@inheritDoc Kli8ntApi.getGitSettings} */
  async getGitSettings(entityRef: string): Promise<GitSettings> {
    return this.#request('GET', '/apps/git-settings', {
      query: { entityRef },
    });
  }

  /** {@inheritDoc Kli8ntApi.updateGitSettings} */
  async updateGitSettings(
    entityRef: string,
    request: UpdateGitSettingsRequest,
  ): Promise<GitSettings> {
    return this.#request('PUT', '/apps/git-settings', {
      query: { entityRef },
      body: request,
    });
  }

  /** {@inheritDoc Kli8ntApi.listPreviews} */
  async listPreviews(entityRef: string): Promise<Preview[]> {
    const list = await this.#request<{ items: Preview[] }>(
      'GET',
      '/apps/previews',
      { query: { entityRef } },
    );
    return list.items;
  }

  /** {@inheritDoc Kli8ntApi.listBranches} */
  async listBranches(entityRef: string): Promise<Branch[]> {
    const list = await this.#request<BranchList>('GET', '/branches', {
      query: { entityRef },
    });
    return list.items;
  }

  /** {@inheritDoc Kli8ntApi.getLogStreamTarget} */
  async getLogStreamTarget(
    options: LogStreamOptions,
  ): Promise<LogStreamTarget> {
    const [baseUrl, { token }] = await Promise.all([
      this.#discoveryApi.getBaseUrl('kli8nt'),
      this.#identityApi.getCredentials(),
    ]);
    const url = new URL(`${baseUrl}${LOG_STREAM_PATH}`);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.search = toQuery({
      entityRef: options.entityRef,
      deploymentId: options.deploymentId,
      source: options.source,
      tail: options.tail?.toString(),
      cursor: options.cursor,
      offset: options.offset,
    });
    return {
      url: url.toString(),
      protocols: token ? [`${LOG_STREAM_TOKEN_PROTOCOL_PREFIX}${token}`] : [],
    };
  }

  async #request<T>(
    method: string,
    path: string,
    options?: { query?: Record<string, string | undefined>; body?: unknown },
  ): Promise<T> {
    const baseUrl = await this.#discoveryApi.getBaseUrl('kli8nt');
    const query = options?.query ? `?${toQuery(options.query)}` : '';
    const response = await this.#fetchApi.fetch(`${baseUrl}${path}${query}`, {
      method,
      headers:
        options?.body !== undefined
          ? { 'Content-Type': 'application/json' }
          : undefined,
      body:
        options?.body !== undefined ? JSON.stringify(options.body) : undefined,
    });
    if (!response.ok) {
      const error = await ResponseError.fromResponse(response);
      // The status line ("Request failed with 503 …") tells a user nothing;
      // the backend's message says what failed and what to do next.
      error.message = error.cause.message || error.message;
      throw error;
    }
    if (response.status === 204) {
      return undefined as T;
    }
    return (await response.json()) as T;
  }
}

function toQuery(params: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') {
      search.set(key, value);
    }
  }
  return search.toString();
}

/**
 * How both frontend systems create the client: its API ref, the core APIs
 * it needs, and the factory.
 */
export const kli8ntClientFactory = {
  api: kli8ntApiRef,
  deps: {
    discoveryApi: discoveryApiRef,
    fetchApi: fetchApiRef,
    identityApi: identityApiRef,
  },
  factory: (deps: {
    discoveryApi: DiscoveryApi;
    fetchApi: FetchApi;
    identityApi: IdentityApi;
  }): Kli8ntApi => new Kli8ntClient(deps),
};
