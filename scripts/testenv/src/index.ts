/*
 * Connection settings of the services started by `scripts/testenv/testenv up`,
 * read from the environment that `testenv env` prints.
 */

/** Where the test services of `scripts/testenv/testenv` listen. */
export interface TestEnv {
  /** postgresql://postgres@127.0.0.1:PORT (trust auth, superuser) */
  pgUrl: string;
  /** amqp://guest:guest@127.0.0.1:PORT */
  amqpUrl: string;
  /** host:port list, comma separated */
  kafkaBrokers: string[];
  /** admin (system:masters) kubeconfig path */
  kubeconfig: string;
  /** host:port of the plain-HTTP private registry */
  registry: string;
  /** directory of kwok's pod log files (see README, "Pod logs") */
  kwokLogsDir?: string;
  /** directory with kubectl, helm, etcd, kube-* and kwok, if known */
  binDir?: string;
  /** the real node (lib/node.sh), when this environment has one */
  realNode?: TestRealNode;
  /** the local GitHub (git smart HTTP + REST API), see README "Local GitHub" */
  github?: TestGithub;
  /** http://127.0.0.1:PORT: the egress proxy for builds, as host processes reach it */
  egressProxy?: string;
  /** the same proxy as build pods on the real node reach it */
  egressProxyNode?: string;
  /** the ingress (Caddy + the test stand-in adapter) and its TLS, see README "Ingress and TLS" */
  ingress?: TestIngress;
}

/** The test world's ingress and TLS (lib/ingress.sh). */
export interface TestIngress {
  /** ip:port of the HTTPS entry, reachable from the host; set SNI and Host */
  https: string;
  /** ip:port of the plain HTTP entry (also where ACME HTTP-01 is answered) */
  http: string;
  /** network namespace Caddy runs in (the real node's, or its own) */
  netns: string;
  /** apps are served at `<app>.<appsDomain>` */
  appsDomain: string;
  /** the CA that signs the wildcard certificate (not the cluster CA) */
  caFile: string;
  /** IngressClass the adapter serves (also the default class) */
  ingressClass: string;
  /** the Gateway the adapter owns: listeners `https` and `http` */
  gateway: { namespace: string; name: string };
  /** the wildcard `*.<appsDomain>` TLS Secret, and its files for other namespaces */
  wildcardSecret: { namespace: string; name: string };
  wildcardCertFile: string;
  wildcardKeyFile: string;
  /** Pebble's management API (its roots at /roots/0), TLS by caFile */
  pebbleManagement: string;
}

const nsName = (ref: string) => {
  const [namespace, name] = ref.split('/');
  return { namespace, name };
};

/** The local GitHub of `testenv` (lib/github.sh). */
export interface TestGithub {
  /** bare repositories, `<gitRoot>/<owner>/<name>.git` */
  gitRoot: string;
  /** https://127.0.0.1:PORT; clone `${gitUrl}/<owner>/<name>.git` from the host */
  gitUrl: string;
  /** the same server as pods reach it; the API's clone_url names this one */
  gitUrlNode: string;
  /** host:port of gitUrlNode: the GitHub integration's `host` */
  host: string;
  /** http://127.0.0.1:PORT/api/v3: the GitHub integration's `apiBaseUrl` */
  apiBaseUrl: string;
  /** CA of the HTTPS endpoint (GIT_SSL_CAINFO) */
  caFile: string;
  /** file with a personal access token that reads every repository */
  tokenFile: string;
  /** the GitHub App whose installations mint clone tokens */
  appId: string;
  appKeyFile: string;
}

/**
 * The real node of `testenv` (lib/node.sh): containerd + kubelet +
 * kube-proxy + CoreDNS in a network namespace of their own. Pods land there
 * only with nodeSelector `kli8nt.io/node: real` and a toleration of the
 * taint `kli8nt.io/node=real:NoSchedule`.
 */
export interface TestRealNode {
  /** the Node's name */
  name: string;
  /** network namespace; enter with `nsenter --net=/var/run/netns/<netns>` */
  netns: string;
  /** host side of the veth: where pods reach the host's forwarded ports */
  hostIp: string;
  /** namespace side: the Node's InternalIP, the kubelet and cluster DNS */
  nodeIp: string;
  /** host:port of the registry as pods and build steps reach it */
  registry: string;
  /** a busybox image in the registry, as pods name it */
  busyboxImage: string;
}

const required = {
  pgUrl: 'KLI8NT_TEST_PG_URL',
  amqpUrl: 'KLI8NT_TEST_AMQP_URL',
  kafkaBrokers: 'KLI8NT_TEST_KAFKA_BROKERS',
  kubeconfig: 'KUBECONFIG',
  registry: 'KLI8NT_TEST_REGISTRY',
} as const;

/**
 * Returns the test services' settings, or undefined when they are not
 * configured so that integration tests can skip. With
 * KLI8NT_TESTENV=required (CI) a missing setting is an error instead, so a
 * broken CI set-up cannot pass by skipping everything.
 */
export function readTestEnv(
  env: NodeJS.ProcessEnv = process.env,
): TestEnv | undefined {
  const missing = Object.values(required).filter(name => !env[name]);
  if (missing.length > 0) {
    if (env.KLI8NT_TESTENV === 'required') {
      throw new Error(
        `KLI8NT_TESTENV=required but ${missing.join(', ')} not set; ` +
          'run scripts/testenv/testenv up and eval "$(scripts/testenv/testenv env)"',
      );
    }
    return undefined;
  }
  return {
    pgUrl: env[required.pgUrl]!,
    amqpUrl: env[required.amqpUrl]!,
    kafkaBrokers: env[required.kafkaBrokers]!.split(','),
    kubeconfig: env[required.kubeconfig]!,
    registry: env[required.registry]!,
    kwokLogsDir: env.KLI8NT_TEST_KWOK_LOGS_DIR || undefined,
    binDir: env.KLI8NT_TESTENV_BIN || undefined,
    realNode: env.KLI8NT_TEST_REAL_NODE
      ? {
          name: env.KLI8NT_TEST_REAL_NODE,
          netns: env.KLI8NT_TEST_NODE_NETNS!,
          hostIp: env.KLI8NT_TEST_NODE_HOST_IP!,
          nodeIp: env.KLI8NT_TEST_NODE_IP!,
          registry: env.KLI8NT_TEST_NODE_REGISTRY!,
          busyboxImage: env.KLI8NT_TEST_BUSYBOX_IMAGE!,
        }
      : undefined,
    github: env.KLI8NT_TEST_GITHUB_API
      ? {
          gitRoot: env.KLI8NT_TEST_GIT_ROOT!,
          gitUrl: env.KLI8NT_TEST_GIT_URL!,
          gitUrlNode: env.KLI8NT_TEST_GIT_URL_NODE!,
          host: env.KLI8NT_TEST_GITHUB_HOST!,
          apiBaseUrl: env.KLI8NT_TEST_GITHUB_API,
          caFile: env.KLI8NT_TEST_GITHUB_CA_FILE!,
          tokenFile: env.KLI8NT_TEST_GITHUB_TOKEN_FILE!,
          appId: env.KLI8NT_TEST_GITHUB_APP_ID!,
          appKeyFile: env.KLI8NT_TEST_GITHUB_APP_KEY_FILE!,
        }
      : undefined,
    egressProxy: env.KLI8NT_TEST_EGRESS_PROXY || undefined,
    egressProxyNode: env.KLI8NT_TEST_EGRESS_PROXY_NODE || undefined,
    ingress: env.KLI8NT_TEST_INGRESS
      ? {
          https: env.KLI8NT_TEST_INGRESS,
          http: env.KLI8NT_TEST_INGRESS_HTTP!,
          netns: env.KLI8NT_TEST_INGRESS_NETNS!,
          appsDomain: env.KLI8NT_TEST_APPS_DOMAIN!,
          caFile: env.KLI8NT_TEST_CA_FILE!,
          ingressClass: env.KLI8NT_TEST_INGRESS_CLASS!,
          gateway: nsName(env.KLI8NT_TEST_GATEWAY!),
          wildcardSecret: nsName(env.KLI8NT_TEST_WILDCARD_SECRET!),
          wildcardCertFile: env.KLI8NT_TEST_WILDCARD_CERT!,
          wildcardKeyFile: env.KLI8NT_TEST_WILDCARD_KEY!,
          pebbleManagement: env.KLI8NT_TEST_PEBBLE_MANAGEMENT!,
        }
      : undefined,
  };
}
export * from './wait';
export * from './diagnostics';
export * from './ingressClient';
