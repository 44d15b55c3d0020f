import type {
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
} from '@kubernetes/client-node';
import {
  CancelRequestedMessage,
  DeleteRequestedMessage,
  DeployRequestedMessage,
  ImageBuiltMessage,
  Kli8ntMessage,
  StatusReportMessage,
  appEnvSecretName,
  parseMessage,
} from '@internal/backstage-plugin-kli8nt-common';
import {
  MessageParser,
  openSecret,
} from '@internal/backstage-plugin-kli8nt-node';
import {
  Clock,
  Logger,
  applyObject,
  isConflict,
  isNotFound,
  systemClock,
} from '../runtime';
import { desiredApp, desiredSecret } from './builders';
import type { DeployConfig } from './config';
import { readApp } from './reconciler';
import {
  PlannedReport,
  isTerminalReport,
  pendingReplaced,
  reportMessage,
} from './status';
import { APP_GROUP, APP_PLURAL, APP_VERSION, App } from './types';

/** The messages consumed from `deploy.<cluster>`. */
export type DeployQueueMessage =
  | ImageBuiltMessage
  | DeployRequestedMessage
  | DeleteRequestedMessage
  | CancelRequestedMessage;

const DEPLOY_TYPES = new Set<string>([
  'ImageBuilt',
  'DeployRequested',
  'DeleteRequested',
  'CancelRequested',
]);

/**
 * Validates a delivery on this cluster's deploy queue: a valid kli8nt
 * message of a deploy type, addressed to this cluster. Anything else is
 * dead-lettered with the reason instead of being retried.
 */
export function deployMessageParser(
  cluster: string,
): MessageParser<DeployQueueMessage> {
  return raw => {
    const parsed = parseMessage(raw);
    if (!parsed.ok) return parsed;
    const message = parsed.message;
    if (!DEPLOY_TYPES.has(message.type)) {
      return {
        ok: false,
        error: `type: ${message.type} is not consumed from deploy queues`,
      };
    }
    const payload = message.payload as { cluster: string };
    if (payload.cluster !== cluster) {
      return {
        ok: false,
        error: `payload.cluster: ${payload.cluster} is not this cluster (${cluster})`,
      };
    }
    return { ok: true, message: message as DeployQueueMessage };
  };
}

export interface DeployAdapterOptions {
  clients: {
    objects: KubernetesObjectApi;
    custom: CustomObjectsApi;
    core: CoreV1Api;
  };
  config: Pick<
    DeployConfig,
    | 'cluster'
    | 'namespace'
    | 'appsDomain'
    | 'tls'
    | 'exposure'
    | 'defaultRequests'
    | 'defaultLimits'
    | 'sealingKeys'
  >;
  publish: (report: StatusReportMessage) => Promise<void>;
  logger: Logger;
  clock?: Clock;
}

/** Bounds `spec.supersedes` (the CRD's maxItems). */
const MAX_SUPERSEDES = 20;
const MAX_APPLY_ATTEMPTS = 5;

class SecretEnvError extends Error {
  constructor(readonly variable: string, cause: unknown) {
    super(
      `Secret env variable ${variable} cannot be opened: ${
        (cause as Error)?.message ?? cause
      }`,
      { cause },
    );
    this.name = 'SecretEnvError';
  }
}

/**
 * The queue side of the deploy role: turns each message into the App's
 * desired spec (and env Secret) and server-side applies it; the reconciler
 * does the rest. Resolving acks the message, so it resolves only once the
 * effect is stored in the cluster; a redelivered message applies the same
 * objects again.
 */
export class DeployAdapter {
  private readonly clock: Clock;

  constructor(private readonly options: DeployAdapterOptions) {
    this.clock = options.clock ?? systemClock;
  }

  handle = (message: DeployQueueMessage): Promise<void> =>
    // Messages of one app are applied one at a time: each reads the App the
    // previous one wrote, so an older request never overwrites a newer one.
    this.exclusive(message.payload.app, () => this.dispatch(message));

  private readonly locks = new Map<string, Promise<void>>();

  private async exclusive(key: string, fn: () => Promise<void>) {
    const run = (this.locks.get(key) ?? Promise.resolve()).then(fn);
    const tail = run.catch(() => undefined);
    this.locks.set(key, tail);
    try {
      await run;
    } finally {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    }
  }

  private async dispatch(message: DeployQueueMessage): Promise<void> {
    switch (message.type) {
      case 'ImageBuilt':
      case 'DeployRequested':
        await this.deploy(message);
        return;
      case 'DeleteRequested':
        await this.remove(message);
        return;
      case 'CancelRequested':
        // A rollout is not cancelled half-way: the next deployment replaces it.
        this.options.logger.info('cancel ignored by the deploy role', {
          app: message.payload.app,
          deploymentId: message.deploymentId,
        });
        return;
      default:
        throw new Error(
          `${
            (message as Kli8ntMessage).type
          } is not consumed from deploy queues`,
        );
    }
  }

  private async report(app: App, report: PlannedReport) {
    await this.options.publish(
      reportMessage(
        app,
        this.options.config.cluster,
        report,
        new Date(this.clock.now()),
      ),
    );
  }

  private async deploy(message: ImageBuiltMessage | DeployRequestedMessage) {
    const { config, clients } = this.options;
    const logger = this.options.logger.child({
      app: message.payload.app,
      deploymentId: message.deploymentId,
    });
    let desired: App;
    try {
      desired = desiredApp(message, config);
    } catch (error) {
      // e.g. an app name too long for the apps domain: nothing to retry
      await this.report(stub(message, config.namespace), {
        deploymentId: message.deploymentId.toLowerCase(),
        status: 'failed',
        reason: 'InvalidApp',
        message: (error as Error).message,
      });
      return;
    }
    const id = desired.spec.deploymentId;
    let secretValues: Record<string, string>;
    try {
      secretValues = this.openSecretEnv(message);
    } catch (error) {
      logger.warn('secret env cannot be opened', { error });
      await this.report(desired, {
        deploymentId: id,
        status: 'failed',
        reason: 'SecretEnvUnreadable',
        message: (error as Error).message,
        image: desired.spec.image,
      });
      return;
    }

    // The read version is a precondition of the apply, so a status write in
    // between fails it with a conflict; then the App is read again.
    let applied: App | undefined;
    for (let attempt = 1; !applied; attempt++) {
      const outcome = await this.applyOver(desired, logger);
      if (outcome === 'stale') return;
      if (outcome !== 'conflict') {
        applied = outcome;
      } else if (attempt >= MAX_APPLY_ATTEMPTS) {
        throw new Error(
          `App ${desired.metadata.name} kept changing while being applied`,
        );
      }
    }
    const secretName = appEnvSecretName(desired.metadata.name);
    if (Object.keys(secretValues).length > 0) {
      await applyObject(clients.objects, desiredSecret(applied, secretValues));
    } else {
      try {
        await clients.core.deleteNamespacedSecret({
          namespace: config.namespace,
          name: secretName,
        });
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
    logger.info('app applied', { reason: desired.spec.reason });
  }

  /**
   * Applies the desired App over the stored one: carries `supersedes`
   * forward, refuses a request older than the stored one (reported
   * superseded), and uses the stored version as a precondition.
   */
  private async applyOver(
    template: App,
    logger: Logger,
  ): Promise<App | 'stale' | 'conflict'> {
    const { config, clients } = this.options;
    const desired: App = {
      ...template,
      metadata: { ...template.metadata },
      spec: { ...template.spec },
    };
    const id = desired.spec.deploymentId;
    const existing = await readApp(
      clients.custom,
      config.namespace,
      desired.metadata.name,
    );
    if (existing && existing.spec.deploymentId !== id) {
      if (
        Date.parse(existing.spec.requestedAt) >
        Date.parse(desired.spec.requestedAt)
      ) {
        logger.info('request older than the applied one; superseded', {
          appliedDeploymentId: existing.spec.deploymentId,
        });
        await this.report(desired, {
          deploymentId: id,
          status: 'superseded',
          reason: 'Superseded',
          message: `Deployment ${existing.spec.deploymentId} was requested later`,
        });
        return 'stale';
      }
      // The reconciler reports replaced deployments: the one it last
      // reported (from status), and those it never saw, listed here.
      if (
        existing.status?.report?.deploymentId !== existing.spec.deploymentId
      ) {
        desired.spec.supersedes = [
          existing.spec.deploymentId,
          ...(existing.spec.supersedes ?? []),
        ].slice(0, MAX_SUPERSEDES);
      }
    } else if (existing?.spec.supersedes) {
      // a redelivery must not drop what is still to be reported
      desired.spec.supersedes = existing.spec.supersedes;
    }
    if (existing?.metadata.resourceVersion) {
      desired.metadata.resourceVersion = existing.metadata.resourceVersion;
    }
    try {
      return await applyObject(clients.objects, desired);
    } catch (error) {
      if (isConflict(error)) return 'conflict';
      throw error;
    }
  }

  private openSecretEnv(
    message: ImageBuiltMessage | DeployRequestedMessage,
  ): Record<string, string> {
    const values: Record<string, string> = {};
    for (const [name, sealed] of Object.entries(
      message.payload.config.secretEnv,
    )) {
      try {
        values[name] = openSecret(sealed, this.options.config.sealingKeys);
      } catch (error) {
        throw new SecretEnvError(name, error);
      }
    }
    return values;
  }

  private async remove(message: DeleteRequestedMessage) {
    const { config, clients } = this.options;
    const name = message.payload.app;
    const existing = await readApp(clients.custom, config.namespace, name);
    if (!existing) return;
    if (
      Date.parse(existing.spec.requestedAt) > Date.parse(message.occurredAt)
    ) {
      this.options.logger.info(
        'delete older than the applied deployment; ignored',
        {
          app: name,
          deploymentId: existing.spec.deploymentId,
        },
      );
      return;
    }
    const report = existing.status?.report;
    const current = existing.spec.deploymentId;
    for (const old of pendingReplaced(existing)) {
      await this.report(existing, {
        deploymentId: old,
        status: 'superseded',
        reason: 'Superseded',
        message: `Replaced by deployment ${current}`,
      });
    }
    if (
      !(report?.deploymentId === current && isTerminalReport(report.status))
    ) {
      await this.report(existing, {
        deploymentId: current,
        status: 'cancelled',
        reason: 'AppDeleted',
        message: 'The app was deleted',
      });
    }
    try {
      // Owner references let the garbage collector remove what it owns.
      await clients.custom.deleteNamespacedCustomObject({
        group: APP_GROUP,
        version: APP_VERSION,
        namespace: config.namespace,
        plural: APP_PLURAL,
        name,
        propagationPolicy: 'Background',
      });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    this.options.logger.info('app deleted', { app: name });
  }
}

function stub(
  message: ImageBuiltMessage | DeployRequestedMessage,
  namespace: string,
): App {
  return {
    apiVersion: 'kli8nt.io/v1alpha1',
    kind: 'App',
    metadata: { name: message.payload.app, namespace },
  } as App;
}
