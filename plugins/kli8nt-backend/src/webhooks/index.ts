import {
  AuditorService,
  AuthService,
  DatabaseService,
  HttpAuthService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { EventsService } from '@backstage/plugin-events-node';
import { Kli8ntStore } from '../database/types';
import { GithubGateway } from '../github/GithubGateway';
import { EntityRepoResolver } from '../github/repo';
import { DeploymentLedger } from '../ledger/DeploymentLedger';
import { AppDirectory } from '../service/apps';
import { DeploymentCommands } from '../service/DeploymentCommands';
import { EntityAccess } from '../service/EntityAccess';
import { createGitRouter } from './gitRouter';
import { GitDeploys } from './GitDeploys';
import { GitSettingsService } from './GitSettingsService';
import { GitStore } from './GitStore';
import { WebhookSubscriber } from './WebhookSubscriber';

/**
 * Git-driven deploys (issue #20): subscribes to the GitHub webhooks the
 * events backend verified, and returns the router of their settings.
 */
export async function startGitDeploys(options: {
  database: DatabaseService;
  events: EventsService;
  httpAuth: HttpAuthService;
  auditor: AuditorService;
  auth: AuthService;
  catalog: CatalogService;
  store: Kli8ntStore;
  access: EntityAccess;
  apps: AppDirectory;
  ledger: DeploymentLedger;
  commands: DeploymentCommands;
  github: GithubGateway;
  repoOf: EntityRepoResolver;
  logger: LoggerService;
}) {
  const git = new GitStore(await options.database.getClient());
  const deploys = new GitDeploys({ ...options, git });
  await new WebhookSubscriber({
    events: options.events,
    deploys,
    logger: options.logger,
  }).subscribe();
  return createGitRouter({
    httpAuth: options.httpAuth,
    auditor: options.auditor,
    git: new GitSettingsService({ ...options, git }),
  });
}
