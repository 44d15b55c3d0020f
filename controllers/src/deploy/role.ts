import { AmqpWorkQueue } from '@internal/backstage-plugin-kli8nt-node';
import type { StatusReportMessage } from '@internal/backstage-plugin-kli8nt-common';
import type { ControllerRole } from '../role';
import { queueLogger, startElectedRole } from '../runtime';
import { DeployQueueMessage, deployMessageParser } from './adapter';
import { startDeployController } from './controller';

/** `kli8nt-controller deploy`: deploy queue → App → rollout → status reports. */
export const deployRole: ControllerRole<'deploy'> = {
  description:
    'consumes deploy.<cluster>, rolls out Apps (Deployment, Service, Ingress/HTTPRoute), reports deploying/live/failed',
  async start({ config, kubeConfig, logger }) {
    // One deploy controller acts at a time (leader election on a Lease):
    // its per-app ordering is in-process.
    return startElectedRole({
      kubeConfig,
      logger,
      lease: `kli8nt-deploy-${config.role.cluster}`,
      namespace: config.shared.podNamespace,
      identity: config.shared.podName,
      healthPort: config.shared.healthPort || undefined,
      start: async () => {
        const messages = await AmqpWorkQueue.create<
          DeployQueueMessage | StatusReportMessage
        >({
          config: config.role.amqp,
          parser: deployMessageParser(config.role.cluster),
          logger: queueLogger(logger),
        });
        try {
          const controller = await startDeployController({
            config: config.role,
            kubeConfig,
            messages,
            logger,
          });
          return {
            problem: () =>
              messages.connected ? undefined : 'RabbitMQ is disconnected',
            async stop() {
              await controller.stop();
              await messages.close();
            },
          };
        } catch (error) {
          await messages.close();
          throw error;
        }
      },
    });
  },
};
