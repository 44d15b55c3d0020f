import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { ConflictError } from '@backstage/errors';
import { appNameFromEntity } from '@kli8nt/backstage-plugin-kli8nt-common';
import { AppRecord, Kli8ntStore } from '../database/types';
import { assertNameFreeOfWorkers, currentWorkers } from '../ledger/workerNames';
import { DEFAULT_SETTINGS } from './settings';

/** Who asked: the user's entity ref, else the principal's subject or type. */
export function userRef(credentials: BackstageCredentials): string {
  const principal = credentials.principal as {
    type: string;
    userEntityRef?: string;
    subject?: string;
  };
  return principal.userEntityRef ?? principal.subject ?? principal.type;
}

/** Finds the app of an entity: stored, else a default one not saved yet. */
export class AppDirectory {
  constructor(
    private readonly options: {
      store: Kli8ntStore;
      cluster: string;
      now?: () => Date;
    },
  ) {}

  private appFor(entity: Entity, existing?: AppRecord): AppRecord {
    if (existing) return existing;
    const now = (this.options.now?.() ?? new Date()).toISOString();
    return {
      entityRef: stringifyEntityRef(entity),
      appName: appNameFromEntity({
        name: entity.metadata.name,
        namespace: entity.metadata.namespace,
        annotations: entity.metadata.annotations,
      }),
      cluster: this.options.cluster,
      settings: DEFAULT_SETTINGS,
      settingsVersion: 0,
      createdAt: now,
      updatedAt: now,
    };
  }

  /** The app record of an entity, stored or default, checked for name clashes. */
  async resolve(entity: Entity): Promise<{ app: AppRecord; stored: boolean }> {
    const entityRef = stringifyEntityRef(entity);
    const stored = await this.options.store.getApp(entityRef);
    const app = this.appFor(entity, stored);
    if (!stored) {
      const clash = await this.options.store.getAppByName(app.appName);
      if (clash && clash.entityRef !== entityRef) {
        throw new ConflictError(
          `App name '${app.appName}' is already used by ${clash.entityRef}; set the kli8nt.io/app annotation`,
        );
      }
      const { store } = this.options;
      await assertNameFreeOfWorkers(
        store,
        // The owner's current rollout, however long its history is.
        owner =>
          store.inApp(owner.appName, tx => currentWorkers(tx, owner.appName)),
        app.appName,
        app.cluster,
      );
    }
    return { app, stored: Boolean(stored) };
  }
}
