import { CustomObjectsApi } from '@kubernetes/client-node';
import {
  AmqpWorkQueue,
  Kli8ntLogger,
} from '@internal/backstage-plugin-kli8nt-node';
import type { ControllerRole } from '../role';
import { startElectedRole } from '../runtime';
import type { LogFields, Logger } from '../runtime';
import { BuildController } from './controller';
import { BUILD_RETENTION_MS, startBuildRetention } from './retention';
import { parseBuildQueueMessage } from './queueAdapter';

/** kli8nt-node logs like Backstage (an Error or fields); ours takes fields. */
function amqpLogger(logger: Logger): Kli8ntLogger {
  const fields = (meta: unknown): LogFields | undefined =>
    meta instanceof Error ? { error: meta } : (meta as LogFields | undefined);
  return {
    info: (message, meta) => logger.info(message, fields(meta)),
    warn: (message, meta) => logger.warn(message, fields(meta)),
    error: (message, meta) => logger.error(message, fields(meta)),
  };
}

/** `kli8nt-controller build`: build queue → Build → Job → built report. */
export const buildRole: ControllerRole<'build'> = {
  description:
    'consumes build.<cluster>, builds images in Jobs, reports building/built/failed/cancelled to INFORM',
  async start({ config, kubeConfig, logger }) {
    // One build controller acts at a time (leader election on a Lease).
    return startElectedRole({
      kubeConfig,
      logger,
      lease: `kli8nt-build-${config.shared.cluster}`,
      namespace: config.shared.podNamespace,
      identity: config.shared.podName,
      healthPort: config.shared.healthPort || undefined,
      start: async () => {
        const queue = await AmqpWorkQueue.create({
          config: config.role.amqp,
          parser: parseBuildQueueMessage,
          logger: amqpLogger(logger),
        });
        const controller = new BuildController({
          kubeConfig,
          config: config.role,
          shared: config.shared,
          queue,
          logger,
        });
        try {
          await controller.start();
        } catch (error) {
          await controller.stop();
          await queue.close();
          throw error;
        }
        const retention = startBuildRetention({
          api: kubeConfig.makeApiClient(CustomObjectsApi),
          namespace: config.role.namespace,
          retentionMs: BUILD_RETENTION_MS,
          intervalMs: 3_600_000,
          logger,
        });
        return {
          problem: () =>
            queue.connected ? undefined : 'RabbitMQ is disconnected',
          async stop() {
            retention.stop();
            await controller.stop();
            await queue.close();
          },
        };
      },
    });
  },
};
