import { LoggerService } from '@backstage/backend-plugin-api';
import { SignalsService } from '@backstage/plugin-signals-node';
import { deploymentSignalChannel } from '@kli8nt/backstage-plugin-kli8nt-common';
import { DeploymentRecord, DeploymentState } from '../database/types';
import { GithubGateway } from '../github/GithubGateway';
import {
  githubDeploymentState,
  githubDescription,
} from '../github/deploymentState';

/** Tells the outside world (GitHub, open browsers) about a status change. */
export interface DeploymentNotifier {
  /** `previous` is the state before the change; absent for a new deployment. */
  statusChanged(
    deployment: DeploymentRecord,
    previous?: DeploymentState,
  ): Promise<void>;
}

/** GitHub shows status, description and URL; other fields do not count. */
function githubVisibleChange(d: DeploymentState, previous?: DeploymentState) {
  return (
    !previous ||
    previous.status !== d.status ||
    previous.reason !== d.reason ||
    previous.message !== d.message ||
    (d.status === 'live' && previous.url !== d.url)
  );
}

/**
 * Mirrors the status to the GitHub Deployment and signals browsers. Neither is
 * the source of truth, so a failure is logged and does not fail the caller.
 */
export class DefaultDeploymentNotifier implements DeploymentNotifier {
  constructor(
    private readonly options: {
      github: GithubGateway;
      signals?: SignalsService;
      logger: LoggerService;
    },
  ) {}

  async statusChanged(
    deployment: DeploymentRecord,
    previous?: DeploymentState,
  ): Promise<void> {
    await Promise.all([
      githubVisibleChange(deployment, previous)
        ? this.mirror(deployment)
        : undefined,
      this.signal(deployment),
    ]);
  }

  private async mirror(d: DeploymentRecord) {
    if (!d.repo || d.githubDeploymentId === undefined) {
      return;
    }
    try {
      await this.options.github.createDeploymentStatus(
        d.repo,
        d.githubDeploymentId,
        {
          state: githubDeploymentState(d.status),
          description: githubDescription(d.status, d.reason, d.message),
          environmentUrl: d.status === 'live' ? d.url : undefined,
        },
      );
    } catch (error) {
      this.options.logger.warn(
        `Could not mirror status ${d.status} of deployment ${d.id} to GitHub deployment ${d.githubDeploymentId}`,
        { error: String(error) },
      );
    }
  }

  private async signal(d: DeploymentRecord) {
    if (!this.options.signals) {
      return;
    }
    try {
      // Any signed-in user may subscribe to any entity's channel, so the
      // signal says only which deployment changed; the page reads it
      // through the API, which checks the reader's permission.
      await this.options.signals.publish({
        recipients: { type: 'broadcast' },
        channel: deploymentSignalChannel(d.entityRef),
        message: { type: 'deployment', deploymentId: d.id },
      });
    } catch (error) {
      this.options.logger.warn(
        `Could not signal status of deployment ${d.id}`,
        { error: String(error) },
      );
    }
  }
}
