import type { ControllerRole } from '../role';
import { startQueueRole } from '../runtime';
import { deployMessageParser } from './adapter';
import { startDeployController } from './controller';

/** `kli8nt-controller deploy`: deploy queue → App → rollout → status reports. */
export const deployRole: ControllerRole<'deploy'> = {
  description:
    'consumes deploy.<cluster>, rolls out Apps (Deployment, Service, Ingress/HTTPRoute), reports deploying/live/failed',
  start({ config, kubeConfig, logger }) {
    // One deploy controller acts at a time (leader election on a Lease):
    // its per-app ordering is in-process.
    return startQueueRole({
      kubeConfig,
      logger,
      lease: `kli8nt-deploy-${config.role.cluster}`,
      ...config.shared,
      amqp: config.role.amqp,
      parser: deployMessageParser(config.role.cluster),
      start: messages =>
        startDeployController({
          config: config.role,
          kubeConfig,
          messages,
          logger,
        }),
    });
  },
};
