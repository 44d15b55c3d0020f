export interface Config {
  kli8nt?: {
    /**
     * RabbitMQ work queues. When absent, an in-memory queue is used (development only).
     */
    rabbitmq?: {
      /**
       * AMQP URL, e.g. amqp://user:pass@host:5672/vhost
       * @visibility secret
       */
      url: string;
      /** Topic exchange that work messages are published to. Default 'kli8nt'. */
      exchange?: string;
      /** Dead-letter exchange. Default 'kli8nt.dlx'. */
      deadLetterExchange?: string;
      /** Quorum queue receiving dead-lettered messages. Default 'kli8nt.dlq'. */
      deadLetterQueue?: string;
      /** Deliveries of one message before it is dead-lettered. Default 5. */
      deliveryLimit?: number;
      /** Unacknowledged messages per consumer. Default 10. */
      prefetch?: number;
      /** Reconnect backoff. */
      reconnect?: {
        /** First delay in milliseconds. Default 500. */
        initialDelayMs?: number;
        /** Largest delay in milliseconds. Default 30000. */
        maxDelayMs?: number;
      };
      /**
       * Delays between attempts of a message whose handler failed (the
       * message waits in a retry queue, it is not requeued at once).
       */
      retry?: {
        /** Delay after the first failure in milliseconds; doubles each time. Default 2000. */
        initialDelayMs?: number;
        /** Largest delay in milliseconds. Default 60000. */
        maxDelayMs?: number;
      };
    };
    /**
     * Kafka log bus. When absent, an in-memory log bus is used (development only).
     */
    kafka?: {
      /** Bootstrap brokers, host:port. */
      brokers: string[];
      /** Client id reported to the brokers. Default 'kli8nt'. */
      clientId?: string;
      /** Client library. Default 'platformatic' (see the benchmark in the package README). */
      client?: 'kafkajs' | 'platformatic';
      /** Settings of the per-app log topics, created on demand. */
      topic?: {
        /** Partitions per app topic. Default 1. */
        partitions?: number;
        /** Replication factor. Default 1. */
        replicationFactor?: number;
        /** retention.ms. Default 7 days. */
        retentionMs?: number;
        /** retention.bytes per partition. Default 1 GiB. */
        retentionBytes?: number;
        /** segment.ms. Default 1 day. */
        segmentMs?: number;
      };
      /** Producer batching of log lines. */
      sink?: {
        /** Lines per produce request. Default 500. */
        batchSize?: number;
        /** Milliseconds a partial batch waits. Default 50. */
        lingerMs?: number;
      };
      /** Readers of log topics. */
      source?: {
        /** Lines kept per app for fast replay. Default 10000. */
        ringBufferSize?: number;
        /**
         * Bytes those lines may take per app (UTF-8 key, value and headers
         * of each record), enforced on every append: the oldest lines leave
         * first, and a replay reads what the ring no longer holds from
         * Kafka. Default 16777216 (16 MiB).
         */
        ringBufferBytes?: number;
        /** Live lines queued per subscriber (behind its replay, which it may pace) before it is cut off (it may resume from its cursor). Default 10000. */
        subscriberBufferSize?: number;
        /**
         * Bytes (UTF-8 key, value and headers) queued per subscriber, such
         * as one log viewer's WebSocket, a positive integer. Live lines
         * queued behind a slow viewer beyond it cut its stream off as
         * subscriberBufferSize does (the viewer is sent a `dropped` frame
         * with the cursor to fetch the skipped lines from, and follows the
         * live lines again); a replay older than the ring is read from Kafka
         * at most this far ahead of the viewer. Default 16777216 (16 MiB).
         */
        subscriberBufferBytes?: number;
      };
    };
  };
}
