export interface Config {
  kli8nt?: {
    /**
     * Name of the cluster that new apps are deployed to; messages go to the
     * `build.<cluster>` and `deploy.<cluster>` queues. Default 'default'.
     */
    cluster?: string;
    /**
     * AES-256 key (32 bytes as base64 or hex) that seals secret environment
     * values at rest. Without it, secret values cannot be set.
     * @visibility secret
     */
    secretKey?: string;
    /** GitHub integration of deployments. */
    github?: {
      /**
       * Host used for entities that only carry a `github.com/project-slug`
       * annotation. Must match an entry of `integrations.github`.
       * Default 'github.com'.
       */
      host?: string;
      /**
       * Whether a GitHub Deployment is created for each deployment and its
       * status mirrored. Default true.
       */
      deployments?: boolean;
      /**
       * Name of the GitHub Deployment environment. Default 'kli8nt-<cluster>'.
       */
      environment?: string;
    };
    /** Relay of the transactional outbox to the work queues. */
    outbox?: {
      /** Milliseconds between polls when idle. Default 5000. */
      pollIntervalMs?: number;
      /** Rows published per pass. Default 50. */
      batchSize?: number;
      /** Largest delay between retries after a failure, in milliseconds. Default 30000. */
      maxBackoffMs?: number;
    };
    /** Logs WebSocket. */
    logs?: {
      /**
       * Bytes buffered for one client before lines are dropped and replaced
       * by a marker frame. Default 1048576 (1 MiB).
       */
      maxBufferedBytes?: number;
      /** Milliseconds between pings; a client that misses one is closed. Default 30000. */
      heartbeatIntervalMs?: number;
    };
  };
}
