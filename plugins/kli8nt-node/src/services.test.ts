import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { LogRecord, LogSink, LogSource } from './logs/types';
import { kli8ntLogSinkServiceRef, kli8ntLogSourceServiceRef } from './services';

describe('service refs', () => {
  it('default to the in-memory log bus without config, say so, and share it between sink and source', async () => {
    const seen: { sink?: LogSink; source?: LogSource } = {};
    const plugin = createBackendPlugin({
      pluginId: 'probe',
      register(env) {
        env.registerInit({
          deps: {
            sink: kli8ntLogSinkServiceRef,
            source: kli8ntLogSourceServiceRef,
            logger: coreServices.logger,
          },
          async init({ sink, source }) {
            Object.assign(seen, { sink, source });
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
      expect(warnings).toEqual([expect.stringMatching(/in-memory log bus/)]);
      const received: LogRecord[] = [];
      const subscription = await seen.source!.subscribe(
        'web',
        { tail: 10 },
        {
          onRecords: records => {
            received.push(...records);
          },
        },
      );
      const line = {
        deploymentId: '00000000-0000-4000-8000-000000000001',
        source: 'runtime' as const,
        pod: 'web-1',
        container: 'web',
        timestamp: new Date(0).toISOString(),
        line: 'hello',
      };
      await seen.sink!.append('web', [line]);
      await seen.sink!.flush();
      for (let i = 0; i < 50 && received.length === 0; i++) {
        await new Promise(r => setTimeout(r, 20));
      }
      expect(received).toEqual([expect.objectContaining(line)]);
      await subscription.close();
    } finally {
      await backend.stop();
    }
  });
});
