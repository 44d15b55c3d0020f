import {
  KafkaJsLogBusClient,
  LogBusSink,
  PlatformaticLogBusClient,
} from '@kli8nt/backstage-plugin-kli8nt-node';
import type { ControllerRole } from '../role';
import { LogsController } from './controller';
import { createLogsMetrics, serveMetrics } from './metrics';
import { KafkaResumeIndex } from './resumeIndex';

/** `kli8nt-controller logs`: kli8nt pods' container logs → the app's Kafka topic. */
export const logsRole: ControllerRole<'logs'> = {
  description:
    'follows the logs of kli8nt build and runtime pods and produces them to each app’s Kafka topic',
  async start({ config, kubeConfig, logger }) {
    const logs = config.role;
    const clientOptions = {
      brokers: logs.kafka.brokers,
      clientId: logs.kafka.clientId,
    };
    const client =
      logs.kafka.client === 'kafkajs'
        ? new KafkaJsLogBusClient(clientOptions)
        : new PlatformaticLogBusClient(clientOptions);
    const sink = new LogBusSink({
      client,
      topic: logs.kafka.topic,
      ...logs.kafka.sink,
    });
    const metrics = createLogsMetrics();
    const controller = new LogsController({
      kubeConfig,
      namespaces: logs.namespaces,
      shard: logs.shard,
      sink,
      resume: new KafkaResumeIndex({
        client,
        topicSettings: logs.kafka.topic,
        lookbackMs: logs.resumeLookbackMs,
      }),
      metrics,
      logger,
      limits: logs.limits,
      maxLineBytes: logs.maxLineBytes,
      maxBatchEntries: logs.maxBatchEntries,
      refreshAfterMs: logs.refreshAfterMs,
      resyncMs: config.shared.resyncMs,
      watchStaleMs: config.shared.watchStaleMs,
      workers: config.shared.workers,
    });
    const server =
      logs.metricsPort > 0
        ? await serveMetrics({
            registry: metrics.registry,
            port: logs.metricsPort,
          })
        : undefined;
    try {
      await controller.start();
    } catch (error) {
      await controller.stop();
      await server?.close();
      await sink.close().catch(() => undefined);
      await client.close();
      throw error;
    }
    return {
      async stop() {
        await controller.stop();
        await server?.close();
        await sink.close();
        await client.close();
      },
    };
  },
};
