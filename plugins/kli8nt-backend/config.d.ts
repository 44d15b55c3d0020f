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
    /** The default permission policy (`@kli8nt/backstage-plugin-kli8nt-backend/policy`). */
    permissions?: {
      /**
       * Entity refs of users and groups (`group:default/platform`) allowed
       * every Kli8nt action on every entity. Default none.
       */
      admins?: string[];
    };
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
      /**
       * Repository binding: an entity registered from a `url` location may
       * deploy only the repository its catalog file is in. Entities whose
       * origin location ref starts with one of these (e.g.
       * `url:https://github.com/acme/catalog/`, a catalog repository the
       * platform team reviews) may name any repository. Default none.
       */
      trustedOrigins?: string[];
    };
    /** Relay of the transactional outbox to the work queues. */
    outbox?: {
      /** Milliseconds between polls when idle. Default 5000. */
      pollIntervalMs?: number;
      /** Rows published per pass. Default 50. */
      batchSize?: number;
      /** Largest delay between retries after a failure, in milliseconds. Default 30000. */
      maxBackoffMs?: number;
      /**
       * Failed publishes of one row after which it is parked and its
       * deployment fails (later messages of the app go on). A broker that is
       * down does not count: publishes wait for it. A `DeleteRequested` is
       * never parked: it is retried until it is sent. Default 20.
       */
      maxAttempts?: number;
    };
    /**
     * Periodic clean-up on the Backstage scheduler: ends deployments stuck
     * in a non-final status and deletes old outbox rows.
     */
    sweeper?: {
      /** Seconds between runs. Default 60. */
      intervalSeconds?: number;
      /**
       * Minutes a deployment may stay in a status (since its last change)
       * before it is ended `failed` with reason `Stuck`.
       */
      deadlineMinutes?: {
        /** Waiting for a build controller. Default 15. */
        queued?: number;
        /** Building (the build Job has its own deadline too). Default 60. */
        building?: number;
        /** Built, waiting for a deploy controller. Default 15. */
        built?: number;
        /** Rolling out (the rollout has its own progress deadline). Default 30. */
        deploying?: number;
      };
      /** Days sent or parked outbox rows are kept. Default 30. */
      retentionDays?: number;
    };
    /** Logs WebSocket. */
    logs?: {
      /**
       * Bytes buffered for one client before live lines are dropped and
       * replaced by a marker frame; a replay instead waits for the socket to
       * drain, so it is sent whole. Default 1048576 (1 MiB).
       */
      maxBufferedBytes?: number;
      /** Milliseconds between pings; a client that misses one is closed. Default 30000. */
      heartbeatIntervalMs?: number;
      /**
       * Log sockets one user may hold open at once (across tabs); one more
       * is closed with `too_many_connections` (4429). Default 20.
       */
      maxConnectionsPerUser?: number;
      /**
       * Most history lines one connection replays before following live
       * lines: a larger `tail` is cut to it, and a `cursor` or `since` further
       * back sends this many, then a `dropped` frame (reason `replay_limit`)
       * for the rest. Default 50000.
       */
      maxReplayLines?: number;
    };
    /**
     * Custom domains of apps (`domains` in their settings). A domain routes
     * to an app, with a certificate, only once the app's owners proved it
     * with a DNS TXT record; until then it is pending. See the README.
     */
    domains?: {
      /**
       * DNS suffixes under which any app may have custom domains
       * (`apps.acme.com` allows `apps.acme.com` and `shop.apps.acme.com`).
       * Never list the apps domain or the portal's own. Default none: custom
       * domains are refused.
       */
      allowedSuffixes?: string[];
      /** Further suffixes for the entities one group owns. */
      owners?: Array<{
        /** Entity ref of the owner group, e.g. `group:default/team-a`. */
        owner: string;
        /** Suffixes its entities may use, besides `allowedSuffixes`. */
        allowedSuffixes: string[];
      }>;
      /**
       * Key of the HMAC that makes each app's TXT token for a domain; without
       * it custom domains are refused. Changing it makes pending domains
       * need the new records (verified ones stay verified).
       * @visibility secret
       */
      challengeSecret?: string;
      /**
       * Resolvers asked for the TXT records, as `ip` or `ip:port`. Default
       * the system's.
       */
      dnsServers?: string[];
      /** Milliseconds one DNS query may take. Default 5000. */
      dnsTimeoutMs?: number;
      /**
       * Minutes between re-checks of every verified domain (Backstage
       * scheduler): one whose record is gone is pending again and its app is
       * rolled out without it; a failing lookup changes nothing. Default 60.
       */
      recheckIntervalMinutes?: number;
    };
    /** Caps that keep one tenant from taking the platform. */
    limits?: {
      /**
       * What one app may hold: its CPU and memory size × replicas × its
       * long-running processes (web and workers). Refused with 422 at
       * settings save and deploy; a build whose processes take it over the
       * limit fails with reason `LimitExceeded` instead of rolling out.
       */
      app?: {
        /** Kubernetes quantity. Default '8'. */
        maxCpu?: string;
        /** Kubernetes quantity. Default '16Gi'. */
        maxMemory?: string;
        /**
         * The CPU an app that sets no size is counted at; keep it equal to
         * the deploy controller's KLI8NT_DEPLOY_DEFAULT_LIMITS. Default '1'.
         */
        defaultCpu?: string;
        /** Likewise for memory. Default '512Mi'. */
        defaultMemory?: string;
      };
      /**
       * Builds queued or running at once; one more deploy is refused with
       * 429 and what to do (wait, or cancel one).
       */
      builds?: {
        /** Per app. Default 3. */
        perApp?: number;
        /**
         * Per cluster, all apps together. Checked in each app's transaction,
         * so simultaneous requests of different apps may pass it by one each.
         * Default 20.
         */
        perCluster?: number;
      };
    };
  };
}
