import { CustomObjectsApi } from '@kubernetes/client-node';
import type { ControllerRole } from '../role';
import { startQueueRole } from '../runtime';
import { BuildController } from './controller';
import { BUILD_RETENTION_MS, startBuildRetention } from './retention';
import { parseBuildQueueMessage } from './queueAdapter';

/** `kli8nt-controller build`: build queue → Build → Job → built report. */
export const buildRole: ControllerRole<'build'> = {
  description:
    'consumes build.<cluster>, builds images in Jobs, reports building/built/failed/cancelled to INFORM',
  start({ config, kubeConfig, logger }) {
    // One build controller acts at a time (leader election on a Lease).
    return startQueueRole({
      kubeConfig,
      logger,
      lease: `kli8nt-build-${config.shared.cluster}`,
      ...config.shared,
      amqp: config.role.amqp,
      parser: parseBuildQueueMessage,
      start: async queue => {
        const controller = new BuildController({
          kubeConfig,
          config: config.role,
          shared: config.shared,
          queue,
          logger,
        });
        await controller.start();
        const retention = startBuildRetention({
          api: kubeConfig.makeApiClient(CustomObjectsApi),
          namespace: config.role.namespace,
          retentionMs: BUILD_RETENTION_MS,
          intervalMs: 3_600_000,
          logger,
        });
        return {
          async stop() {
            retention.stop();
            await controller.stop();
          },
        };
      },
    });
  },
};
