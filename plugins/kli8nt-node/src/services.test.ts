import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { createMessage } from '@internal/backstage-plugin-kli8nt-common';
import { InMemoryLogBusClient } from './logs/InMemoryLogBusClient';
import { InMemoryWorkQueue } from './queue/InMemoryWorkQueue';
import {
  kli8ntLogBusClientServiceRef,
  kli8ntLogSinkServiceRef,
  kli8ntLogSourceServiceRef,
  kli8ntWorkQueueServiceRef,
} from './services';

describe('service refs', () => {
  it('default to the in-memory twins without config, and say so', async () => {
    const seen: Record<string, unknown> = {};
    const plugin = createBackendPlugin({
      pluginId: 'probe',
      register(env) {
        env.registerInit({
          deps: {
            queue: kli8ntWorkQueueServiceRef,
            client: kli8ntLogBusClientServiceRef,
            sink: kli8ntLogSinkServiceRef,
            source: kli8ntLogSourceServiceRef,
            logger: coreServices.logger,
          },
          async init(deps) {
            Object.assign(seen, deps);
          },
        });
      },
    });
    const warnings: string[] = [];
    const logger = mockServices.rootLogger.mock();
    logger.child.mockReturnValue({
      ...logger,
      warn: (m: string) => warnings.push(m),
    } as any);
    const backend = await startTestBackend({
      features: [
        plugin,
        mockServices.rootConfig.factory({ data: {} }),
        logger.factory,
      ],
    });
    try {
      expect(seen.queue).toBeInstanceOf(InMemoryWorkQueue);
      expect(seen.client).toBeInstanceOf(InMemoryLogBusClient);
      expect(warnings).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/in-memory work queue/),
          expect.stringMatching(/in-memory log bus/),
        ]),
      );
      const queue = seen.queue as InMemoryWorkQueue<any>;
      const message = createMessage('CancelRequested', {
        deploymentId: '00000000-0000-4000-8000-000000000001',
        payload: { app: 'web', cluster: 'dev' },
      });
      const received: unknown[] = [];
      await queue.consume('inform', async m => {
        received.push(m);
      });
      await queue.publish('inform', message);
      await new Promise(r => setTimeout(r, 50));
      expect(received).toEqual([message]);
    } finally {
      await backend.stop();
    }
  });
});
