import { createApiRef } from '@backstage/frontend-plugin-api';
import type {
  AppSettings,
  Branch,
  Deployment,
  DeploymentEvent,
  DeploymentPage,
  DomainState,
  GitSettings,
  LogSource,
  Preview,
  UpdateAppSettingsRequest,
  UpdateGitSettingsRequest,
} from '@kli8nt/backstage-plugin-kli8nt-common';

/**
 * A deployment together with its status history, oldest event first.
 *
 * @public
 */
export type DeploymentDetails = Deployment & { events: DeploymentEvent[] };

/**
 * Where to open the logs WebSocket: the `ws:`/`wss:` URL and the
 * subprotocols that carry the user's token.
 *
 * @public
 */
export interface LogStreamTarget {
  /** The WebSocket URL, query included. */
  url: string;
  /** The subprotocols to offer: the user's token, if signed in. */
  protocols: string[];
}

/**
 * Which log lines to replay and follow.
 *
 * @public
 */
export interface LogStreamOptions {
  /** The catalog entity whose app's logs to stream. */
  entityRef: string;
  /** Only the lines of this deployment; absent: every deployment's. */
  deploymentId?: string;
  /** Only build or only runtime lines; absent: both. */
  source?: LogSource;
  /** Replay at most this many of the newest lines first. */
  tail?: number;
  /** Resume after the line with this cursor (`p:o,…`, sent with each line). */
  cursor?: string;
  /** Resume after this offset of partition 0 (decimal string). */
  offset?: string;
}

/**
 * Client of the Kli8nt backend.
 *
 * @public
 */
export interface Kli8ntApi {
  /** The entity's deployments, newest first, a page at a time (`cursor`). */
  listDeployments(options: {
    entityRef: string;
    cursor?: string;
    limit?: number;
  }): Promise<DeploymentPage>;
  /** One deployment with its status history. */
  getDeployment(id: string): Promise<DeploymentDetails>;
  /** Builds and deploys the entity's repository (at `ref` if given). */
  createDeployment(options: {
    entityRef: string;
    ref?: string;
  }): Promise<Deployment>;
  /** Rolls out the image of deployment `id` again, without a build. */
  redeploy(id: string): Promise<Deployment>;
  /** As `redeploy`, recorded as a rollback to deployment `id`. */
  rollback(id: string): Promise<Deployment>;
  /** Cancels deployment `id`. */
  cancel(id: string): Promise<Deployment>;
  /** The app's settings. */
  getAppSettings(entityRef: string): Promise<AppSettings>;
  /** Saves the app's settings; a change rolls the live deployment out again. */
  updateAppSettings(
    entityRef: string,
    request: UpdateAppSettingsRequest,
  ): Promise<AppSettings>;
  /**
   * Looks up the DNS records of the app's pending custom domains now;
   * every domain's state after the check.
   */
  verifyDomains(entityRef: string): Promise<DomainState[]>;
  /** Deletes the app: stops its builds and removes it from the cluster. */
  deleteApp(entityRef: string): Promise<void>;
  /** Deploy on push and pull request previews. */
  getGitSettings(entityRef: string): Promise<GitSettings>;
  /** Saves the deploy-on-push and preview settings. */
  updateGitSettings(
    entityRef: string,
    request: UpdateGitSettingsRequest,
  ): Promise<GitSettings>;
  /** The entity's live previews, newest first. */
  listPreviews(entityRef: string): Promise<Preview[]>;
  /** The branches of the entity's repository. */
  listBranches(entityRef: string): Promise<Branch[]>;
  /** Where to open the logs WebSocket for `options`. */
  getLogStreamTarget(options: LogStreamOptions): Promise<LogStreamTarget>;
}

/**
 * The API reference of {@link Kli8ntApi}.
 *
 * @public
 */
export const kli8ntApiRef = createApiRef<Kli8ntApi>().with({
  id: 'plugin.kli8nt.client',
  pluginId: 'kli8nt',
});
