import { createApiRef } from '@backstage/frontend-plugin-api';
import type {
  AppSettings,
  Branch,
  Deployment,
  DeploymentEvent,
  DeploymentPage,
  GitSettings,
  LogSource,
  Preview,
  UpdateAppSettingsRequest,
  UpdateGitSettingsRequest,
} from '@internal/backstage-plugin-kli8nt-common';

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
  url: string;
  protocols: string[];
}

/**
 * Which log lines to replay and follow.
 *
 * @public
 */
export interface LogStreamOptions {
  entityRef: string;
  deploymentId?: string;
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
  listDeployments(options: {
    entityRef: string;
    cursor?: string;
    limit?: number;
  }): Promise<DeploymentPage>;
  getDeployment(id: string): Promise<DeploymentDetails>;
  createDeployment(options: {
    entityRef: string;
    ref?: string;
  }): Promise<Deployment>;
  redeploy(id: string): Promise<Deployment>;
  rollback(id: string): Promise<Deployment>;
  cancel(id: string): Promise<Deployment>;
  getAppSettings(entityRef: string): Promise<AppSettings>;
  updateAppSettings(
    entityRef: string,
    request: UpdateAppSettingsRequest,
  ): Promise<AppSettings>;
  deleteApp(entityRef: string): Promise<void>;
  /** Deploy on push and pull request previews. */
  getGitSettings(entityRef: string): Promise<GitSettings>;
  updateGitSettings(
    entityRef: string,
    request: UpdateGitSettingsRequest,
  ): Promise<GitSettings>;
  /** The entity's live previews, newest first. */
  listPreviews(entityRef: string): Promise<Preview[]>;
  listBranches(entityRef: string): Promise<Branch[]>;
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
