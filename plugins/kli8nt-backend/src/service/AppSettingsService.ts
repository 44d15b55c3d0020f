import { BackstageCredentials } from '@backstage/backend-plugin-api';
import {
  UpdateAppSettingsRequest,
  kli8ntAppConfigurePermission,
  kli8ntDeploymentReadPermission,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { AppRecord, DeploymentRecord } from '../database/types';
import { DomainService } from '../domains/DomainService';
import { DeploymentLedger } from '../ledger/DeploymentLedger';
import { AppDirectory, userRef } from './apps';
import { EntityAccess } from './EntityAccess';
import { applySettingsPatch } from './settings';

/** Reading and saving an app's settings, with optimistic concurrency. */
export class AppSettingsService {
  constructor(
    private readonly options: {
      access: EntityAccess;
      apps: AppDirectory;
      ledger: DeploymentLedger;
      secretKey?: string;
      /** The allow-list and proof of custom domains. */
      domains: Pick<DomainService, 'assertSavable'>;
      /** Announces a `config` deployment (GitHub, browsers). */
      accepted(deployment: DeploymentRecord): Promise<void>;
    },
  ) {}

  async getSettings(entityRef: string, credentials: BackstageCredentials) {
    const entity = await this.options.access.load(
      entityRef,
      kli8ntDeploymentReadPermission,
      credentials,
    );
    return this.options.apps.resolve(entity);
  }

  /**
   * Saves the settings: the patch applies to what is stored when the
   * ledger's transaction runs, so two saves never lose each other's fields;
   * with `patch.version` a save over a newer one is refused (409). An image
   * that runs or is rolling out is rolled out again with them.
   */
  async updateSettings(options: {
    entityRef: string;
    patch: UpdateAppSettingsRequest;
    credentials: BackstageCredentials;
  }): Promise<{ app: AppRecord; deployment?: DeploymentRecord }> {
    const entity = await this.options.access.load(
      options.entityRef,
      kli8ntAppConfigurePermission,
      options.credentials,
    );
    const { app } = await this.options.apps.resolve(entity);
    const { version, ...patch } = options.patch;
    if (patch.domains) {
      await this.options.domains.assertSavable(entity, app, patch.domains);
    }
    const result = await this.options.ledger.saveSettings({
      app,
      change: current =>
        applySettingsPatch(current, patch, this.options.secretKey),
      expectedVersion: version,
      requestedBy: userRef(options.credentials),
    });
    if (result.deployment) await this.options.accepted(result.deployment);
    return result;
  }
}
