import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import {
  StatusReportMessage,
  foldStatus,
  kli8ntDeploymentReadPermission,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { DeploymentRecord, Kli8ntStore } from '../database/types';
import { GithubGateway } from '../github/GithubGateway';
import { imageProcesses } from '../ledger/imageProcesses';
import { EntityRepoResolver } from '../github/repo';
import { EntityAccess } from './EntityAccess';

/** Reads of the REST API: deployments, their events, branches. */
export class DeploymentQueries {
  constructor(
    private readonly options: {
      store: Kli8ntStore;
      github: GithubGateway;
      access: EntityAccess;
      repoOf: EntityRepoResolver;
    },
  ) {}

  /** The deployment, without an authorization check (callers check). */
  async getRecord(id: string): Promise<DeploymentRecord> {
    const deployment = await this.options.store.getDeployment(id);
    if (!deployment) {
      throw new NotFoundError(`Deployment ${id} was not found`);
    }
    return deployment;
  }

  async getDeployment(id: string, credentials: BackstageCredentials) {
    const deployment = await this.getRecord(id);
    await this.options.access.authorize(
      deployment.entityRef,
      kli8ntDeploymentReadPermission,
      credentials,
    );
    const events = await this.options.store.listEvents(id);
    return { deployment, events };
  }

  /**
   * The deployment with its events, the processes of its image and how
   * many of their pods the deploy controller last reported ready (folded
   * from the stored reports, as the status is).
   */
  async getDeploymentDetails(id: string, credentials: BackstageCredentials) {
    const { deployment, events } = await this.getDeployment(id, credentials);
    const processes = await imageProcesses(this.options.store, deployment);
    const readiness = foldStatus(
      events.map(e => e.report as StatusReportMessage),
    )?.readiness;
    return { deployment, events, processes, readiness };
  }

  async listDeployments(options: {
    entityRef: string;
    limit: number;
    cursor?: string;
    credentials: BackstageCredentials;
  }) {
    await this.options.access.authorize(
      options.entityRef,
      kli8ntDeploymentReadPermission,
      options.credentials,
    );
    return this.options.store.listDeployments(options.entityRef, {
      limit: options.limit,
      cursor: options.cursor,
    });
  }

  async listBranches(entityRef: string, credentials: BackstageCredentials) {
    const { access, github, repoOf } = this.options;
    const entity = await access.load(
      entityRef,
      kli8ntDeploymentReadPermission,
      credentials,
    );
    const repo = repoOf(entity);
    const [info, branches] = await Promise.all([
      github.getRepository(repo),
      github.listBranches(repo),
    ]);
    return branches
      .map(b => ({ ...b, isDefault: b.name === info.defaultBranch }))
      .sort((a, b) => Number(b.isDefault) - Number(a.isDefault));
  }
}
