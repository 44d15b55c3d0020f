import { randomUUID } from 'node:crypto';
import type {
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
} from '@kubernetes/client-node';
import {
  DeleteRequestedMessage,
  DeployRequestedMessage,
  Kli8ntMessage,
  StatusReportMessage,
  appEnvSecretName,
  parseMessage,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import {
  MessageParser,
  openSecret,
} from '@kli8nt/backstage-plugin-kli8nt-node';
import {
  Clock,
  Logger,
  applyObject,
  isNotFound,
  retryOnConflict,
  systemClock,
} from '../runtime';
import { desiredApp, desiredSecret } from './builders';
import type { DeployConfig } from './config';
import { readApp } from './reconciler';
import { PlannedReport, reportMessage } from './status';
import {
  APP_API_VERSION,
  APP_KIND,
  App,
  isTombstone,
  sequenceOf,
} from './types';

/** The messages consumed from `deploy.<cluster>`. */
export type DeployQueueMessage =
  | DeployRequestedMessage
  | DeleteRequestedMessage;

const DEPLOY_TYPES = new Set<string>(['DeployRequested', 'DeleteRequested']);

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
 *
 * It executes the portal's decisions in the portal's order: a message whose
 * sequence is lower than the App's is dropped (the portal already ended that
 * deployment), and a delete leaves the App as a tombstone at its sequence,
 * so nothing older can bring the app back. The App's resourceVersion is the
 * precondition of every write, so two controllers never move it backwards.
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
      case 'DeployRequested':
        await this.deploy(message);
        return;
      case 'DeleteRequested':
        await this.remove(message);
        return;
      default:
        throw new Error(
          `${
            (message as Kli8ntMessage).type
          } is not consumed from deploy queues`,
        );
    }
  }

  /**
   * Reports a refused message. No App keys its id (see reportIds.ts), so it
   * is random: a refusal is final, and the portal drops whatever comes after
   * a deployment's final report, a copy sent for a redelivery included.
   */
  private async report(app: App, report: PlannedReport) {
    await this.options.publish(
      reportMessage(
        app,
        this.options.config.cluster,
        report,
        new Date(this.clock.now()),
        randomUUID(),
      ),
    );
  }

  private async deploy(message: DeployRequestedMessage) {
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
    const applied = await retryOnConflict(() =>
      this.applyInOrder(desired, logger),
    );
    if (applied === 'stale') return;
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
   * Applies `desired` unless the stored App (or tombstone) carries a higher
   * sequence, with the stored version as a precondition.
   */
  private async applyInOrder(
    template: App,
    logger: Logger,
  ): Promise<App | 'stale'> {
    const { config, clients } = this.options;
    const desired: App = { ...template, metadata: { ...template.metadata } };
    const existing = await readApp(
      clients.custom,
      config.namespace,
      desired.metadata.name,
    );
    if (existing && sequenceOf(existing) > sequenceOf(desired)) {
      logger.info('older than the applied sequence; dropped', {
        sequence: sequenceOf(desired),
        appliedSequence: sequenceOf(existing),
        appliedDeploymentId: existing.spec.deploymentId,
        tombstone: isTombstone(existing),
      });
      return 'stale';
    }
    if (existing?.metadata.resourceVersion) {
      desired.metadata.resourceVersion = existing.metadata.resourceVersion;
    }
    return applyObject(clients.objects, desired);
  }

  private openSecretEnv(
    message: DeployRequestedMessage,
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

  /**
   * Turns the App into a tombstone at the delete's sequence (creating one if
   * the app never reached this cluster: a rollout still on its way must not
   * create it later). The reconciler removes the app's objects.
   */
  private async remove(message: DeleteRequestedMessage) {
    const { config, clients, logger } = this.options;
    const name = message.payload.app;
    const { sequence } = message.payload;
    await retryOnConflict(async () => {
      const existing = await readApp(clients.custom, config.namespace, name);
      if (existing && sequenceOf(existing) > sequence) {
        logger.info('delete older than the applied sequence; dropped', {
          app: name,
          sequence,
          appliedSequence: sequenceOf(existing),
        });
        return;
      }
      const tombstone = {
        apiVersion: APP_API_VERSION,
        kind: APP_KIND,
        metadata: {
          name,
          namespace: config.namespace,
          ...(existing?.metadata.resourceVersion
            ? { resourceVersion: existing.metadata.resourceVersion }
            : {}),
        },
        spec: {
          deploymentId: (
            existing?.spec.deploymentId ?? message.deploymentId
          ).toLowerCase(),
          sequence,
          deleted: true,
        },
      };
      await applyObject(clients.objects, tombstone);
      logger.info('app deleted; tombstone stored', { app: name, sequence });
    });
  }
}

function stub(message: DeployRequestedMessage, namespace: string): App {
  return {
    apiVersion: 'kli8nt.io/v1alpha1',
    kind: 'App',
    metadata: { name: message.payload.app, namespace },
  } as App;
}
