import { DomainService } from '../domains/DomainService';
import { AppSettingsService } from './AppSettingsService';
import { AppDirectory } from './apps';
import { DeploymentCommands } from './DeploymentCommands';
import { DeploymentQueries } from './DeploymentQueries';

/**
 * The use cases of the REST API, by concern: requests that change what runs
 * (through the ledger), settings, and reads.
 */
export interface DeploymentService {
  commands: DeploymentCommands;
  settings: AppSettingsService;
  domains: DomainService;
  queries: DeploymentQueries;
  apps: AppDirectory;
}
