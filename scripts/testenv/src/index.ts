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
  };
}
