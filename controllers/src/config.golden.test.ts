import fs from 'node:fs';
import path from 'node:path';
import { readControllerConfig } from './config';

/*
 * What each role reads from valid environments, against
 * `__golden__/config.json` (first written by the previous, hand-written
 * readers, so a new reader must give every role the same settings).
 * Regenerate after an intended change with
 * `KLI8NT_UPDATE_GOLDEN=1 CI=true yarn backstage-cli repo test controllers/src/config.golden.test.ts`.
 */

const pinned = (name: string, c: string) =>
  `mirror.example.com/${name}@sha256:${c.repeat(64)}`;

const shared = {
  KLI8NT_CLUSTER: 'prod',
  POD_NAME: 'kli8nt-pod-0',
};
const amqp = { KLI8NT_AMQP_URL: 'amqp://guest:guest@rabbitmq:5672' };
const build = {
  ...shared,
  ...amqp,
  KLI8NT_BUILD_REGISTRY: 'registry.example.com/apps',
  KLI8NT_BUILD_DETECT_IMAGE: 'registry.example.com/kli8nt/controllers:1.0.0',
  KLI8NT_BUILD_KANIKO_IMAGE: pinned('kaniko', 'a'),
  KLI8NT_BUILD_CLONE_IMAGE: pinned('git', 'b'),
  KLI8NT_BUILD_PUSH_IMAGE: pinned('crane', 'c'),
};
const { KLI8NT_BUILD_KANIKO_IMAGE: _kaniko, ...withoutKaniko } = build;
const deploy = {
  ...shared,
  ...amqp,
  KLI8NT_APPS_DOMAIN: 'apps.example.com',
  KLI8NT_TLS_CLUSTER_ISSUER: 'letsencrypt',
};
const logs = { ...shared, KLI8NT_KAFKA_BROKERS: 'kafka-0:9092,kafka-1:9092' };

type Env = Record<string, string>;

/** Valid environments by role and case name. */
const cases: {
  build: Record<string, Env>;
  deploy: Record<string, Env>;
  logs: Record<string, Env>;
} = {
  build: {
    minimal: build,
    'every shared and amqp setting': {
      ...build,
      KLI8NT_RESYNC_SECONDS: '60',
      KLI8NT_WATCH_STALE_SECONDS: '120',
      KLI8NT_WORKERS: '8',
      KLI8NT_HEALTH_PORT: '8081',
      POD_NAMESPACE: 'kli8nt',
      KLI8NT_AMQP_URL: 'amqps://kli8nt:secret@rabbitmq.example.com:5671/kli8nt',
      KLI8NT_AMQP_EXCHANGE: 'x',
      KLI8NT_AMQP_DEAD_LETTER_EXCHANGE: 'x.dlx',
      KLI8NT_AMQP_DEAD_LETTER_QUEUE: 'x.dlq',
      KLI8NT_AMQP_DELIVERY_LIMIT: '3',
      KLI8NT_AMQP_PREFETCH: '50',
    },
    'every build setting, kaniko': {
      ...build,
      KLI8NT_BUILD_CLUSTERS: 'prod, staging',
      KLI8NT_BUILD_NAMESPACE: 'builds',
      KLI8NT_BUILD_CACHE_REPO: 'cache.example.com:5000/cache',
      KLI8NT_BUILD_DOCKER_HUB_MIRROR: 'mirror.example.com:5000',
      KLI8NT_BUILD_PUSH_SECRET: 'push',
      KLI8NT_BUILD_INSECURE_REGISTRY: 'true',
      KLI8NT_BUILD_BUILDER: 'kaniko',
      KLI8NT_BUILD_BUILDKIT_IMAGE: pinned('buildkit', 'd'),
      KLI8NT_BUILD_DEADLINE_SECONDS: '600',
      KLI8NT_BUILD_TTL_SECONDS: '60',
      KLI8NT_BUILD_DIGEST_GRACE_SECONDS: '10',
      KLI8NT_BUILD_CPU_REQUEST: '1',
      KLI8NT_BUILD_CPU_LIMIT: '4',
      KLI8NT_BUILD_MEMORY_REQUEST: '2Gi',
      KLI8NT_BUILD_MEMORY_LIMIT: '8Gi',
      KLI8NT_BUILD_WORKSPACE_SIZE: '20Gi',
      KLI8NT_BUILD_NODE_SELECTOR: 'kli8nt.io/pool=builds, disk=ssd',
      KLI8NT_BUILD_TOLERATIONS:
        'kli8nt.io/pool=builds:NoSchedule, dedicated:NoExecute,gpu',
      KLI8NT_BUILD_CA_CONFIGMAP: 'ghe-ca',
      KLI8NT_SEALING_KEYS: ' k1, k2 ,',
      KLI8NT_BUILD_HTTP_PROXY: 'http://proxy.corp:3128',
      KLI8NT_BUILD_HTTPS_PROXY: 'http://user:s3cret@proxy.corp:3128/',
      KLI8NT_BUILD_NO_PROXY: '.corp,10.0.0.0/8,localhost',
    },
    'buildkit, flags as 1 and 0': {
      ...withoutKaniko,
      KLI8NT_BUILD_BUILDER: 'buildkit',
      KLI8NT_BUILD_BUILDKIT_IMAGE: pinned('buildkit', 'd'),
      KLI8NT_BUILD_INSECURE_REGISTRY: '0',
    },
    'as the chart renders it': {
      ...build,
      POD_NAMESPACE: 'kli8nt',
      KLI8NT_HEALTH_PORT: '8081',
      KLI8NT_BUILD_NAMESPACE: 'kli8nt-builds',
      KLI8NT_BUILD_INSECURE_REGISTRY: 'false',
      KLI8NT_BUILD_PUSH_SECRET: 'kli8nt-registry',
      KLI8NT_BUILD_BUILDER: 'kaniko',
      KLI8NT_BUILD_DEADLINE_SECONDS: '1800',
      KLI8NT_SEALING_KEYS: '',
      KLI8NT_BUILD_CPU_REQUEST: '500m',
      KLI8NT_BUILD_CPU_LIMIT: '2',
      KLI8NT_BUILD_MEMORY_REQUEST: '1Gi',
      KLI8NT_BUILD_MEMORY_LIMIT: '4Gi',
    },
  },
  deploy: {
    minimal: deploy,
    'every setting, wildcard and gateway': {
      ...deploy,
      KLI8NT_WORKERS: '4',
      KLI8NT_RESYNC_SECONDS: '30',
      KLI8NT_APPS_NAMESPACE: 'apps',
      KLI8NT_INFORM_QUEUE: 'inform.test',
      KLI8NT_TLS_MODE: 'wildcard',
      KLI8NT_TLS_WILDCARD_SECRET: 'wildcard-tls',
      KLI8NT_EXPOSURE: 'gateway',
      KLI8NT_GATEWAY: 'gateways/public',
      KLI8NT_GATEWAY_SECTION: 'https',
      KLI8NT_SEALING_KEYS: ' k1 ,k2,',
      KLI8NT_DEPLOY_DEFAULT_REQUESTS: 'cpu=50m',
      KLI8NT_DEPLOY_DEFAULT_LIMITS: 'memory=1Gi,cpu=2',
      KLI8NT_DEPLOY_NODE_SELECTOR: 'pool=apps, kubernetes.io/os=linux',
      KLI8NT_DEPLOY_TOLERATIONS: 'pool=apps:NoSchedule, dedicated',
      KLI8NT_DEPLOY_PROGRESS_DEADLINE_SECONDS: '30',
      KLI8NT_DEPLOY_RELEASE_HISTORY: '5',
      KLI8NT_DEPLOY_POLL_SECONDS: '2',
    },
    'cert-manager with an issuer annotation': {
      ...deploy,
      KLI8NT_TLS_MODE: 'cert-manager',
      KLI8NT_TLS_CLUSTER_ISSUER: 'acme',
      KLI8NT_TLS_ISSUER_ANNOTATION: 'kli8nt.io/tls',
      KLI8NT_DEPLOY_DEFAULT_REQUESTS: ' memory = 256Mi , cpu=0.5 ',
    },
    'tls none, an ingress class, padded values': {
      ...deploy,
      KLI8NT_APPS_DOMAIN: ' apps.example.com ',
      KLI8NT_TLS_MODE: 'none',
      KLI8NT_INGRESS_CLASS: ' nginx ',
      KLI8NT_DEPLOY_RELEASE_HISTORY: ' 7 ',
    },
    'as the chart renders it (empty optional values)': {
      ...deploy,
      POD_NAMESPACE: 'kli8nt',
      KLI8NT_HEALTH_PORT: '8081',
      KLI8NT_APPS_NAMESPACE: 'kli8nt-apps',
      KLI8NT_EXPOSURE: 'ingress',
      KLI8NT_INGRESS_CLASS: '',
      KLI8NT_TLS_MODE: 'wildcard',
      KLI8NT_TLS_CLUSTER_ISSUER: '',
      KLI8NT_TLS_WILDCARD_SECRET: 'star',
      KLI8NT_DEPLOY_PROGRESS_DEADLINE_SECONDS: '600',
      KLI8NT_SEALING_KEYS: '',
    },
  },
  logs: {
    minimal: logs,
    'every setting': {
      ...logs,
      KLI8NT_WORKERS: '3',
      KLI8NT_LOGS_NAMESPACES: 'apps, kli8nt-builds',
      KLI8NT_LOGS_SHARD_COUNT: '3',
      KLI8NT_LOGS_SHARD_INDEX: '2',
      KLI8NT_LOGS_MAX_LINE_BYTES: '4096',
      KLI8NT_LOGS_BUFFER_BYTES: String(8 * 1024 * 1024),
      KLI8NT_LOGS_CONTAINER_BUFFER_BYTES: String(128 * 1024),
      KLI8NT_LOGS_STALL_SECONDS: '5',
      KLI8NT_LOGS_BATCH_LINES: '10',
      KLI8NT_LOGS_REFRESH_SECONDS: '60',
      KLI8NT_LOGS_RESUME_LOOKBACK_SECONDS: '30',
      KLI8NT_LOGS_METRICS_PORT: '0',
      KLI8NT_KAFKA_CLIENT: 'kafkajs',
      KLI8NT_KAFKA_CLIENT_ID: 'logs-test',
      KLI8NT_KAFKA_TOPIC_PARTITIONS: '3',
      KLI8NT_KAFKA_TOPIC_REPLICATION_FACTOR: '2',
      KLI8NT_KAFKA_TOPIC_RETENTION_HOURS: '24',
      KLI8NT_KAFKA_TOPIC_RETENTION_BYTES: String(2 * 1024 * 1024),
      KLI8NT_KAFKA_BATCH_SIZE: '100',
      KLI8NT_KAFKA_LINGER_MS: '5',
    },
    'shard from a StatefulSet hostname, as the chart renders it': {
      ...logs,
      HOSTNAME: 'x-logs-1',
      KLI8NT_LOGS_NAMESPACES: 'kli8nt-builds,kli8nt-apps',
      KLI8NT_LOGS_SHARD_COUNT: '2',
      KLI8NT_LOGS_METRICS_PORT: '9464',
      KLI8NT_KAFKA_CLIENT: 'platformatic',
    },
  },
};

describe('readControllerConfig on valid environments', () => {
  const file = path.join(__dirname, '__golden__', 'config.json');
  const actual = Object.fromEntries(
    Object.entries(cases).map(([role, byName]) => [
      role,
      Object.fromEntries(
        Object.entries(byName).map(([name, env]) => [
          name,
          readControllerConfig(role as keyof typeof cases, env),
        ]),
      ),
    ]),
  );

  if (process.env.KLI8NT_UPDATE_GOLDEN === '1') {
    fs.writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
  }
  const golden = JSON.parse(fs.readFileSync(file, 'utf8'));

  it.each(
    Object.entries(cases).flatMap(([role, byName]) =>
      Object.keys(byName).map(name => [role, name]),
    ),
  )('%s: %s matches __golden__/config.json', (role, name) => {
    expect(JSON.parse(JSON.stringify(actual[role][name]))).toEqual(
      golden[role][name],
    );
  });
});
