/*
 * The secrets sweep (#17): after the system test, every log file of the
 * test world and the platform, every Kafka topic, every RabbitMQ queue
 * (dead-letter and retry queues included), the portal's databases and every
 * Kubernetes object are searched for the secrets the platform uses and for
 * credential shapes. Any plaintext hit fails, naming where; values are
 * never printed.
 *
 *   scripts/secrets-sweep [--logs <dir>]... [--report <file>]
 *
 * Needs `eval "$(scripts/testenv/testenv env)"` (and KLI8NT_TESTENV_RUN,
 * KLI8NT_TESTENV_PORT_OFFSET as for testenv itself).
 *
 * Not searched, because the value is expected there (listed in the report):
 * the registry push Secret of the builds namespace, TLS Secrets (their
 * private keys), ServiceAccount token Secrets, the app env Secrets of the
 * apps namespace (an app's secret values must reach it), and the files that
 * configure the platform (app-config, the local GitHub's key and token
 * files), which are not logs.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import {
  CREDENTIAL_PATTERNS,
  fileNeedle,
  Needle,
  pemNeedles,
  yamlValueNeedle,
} from './needles';
import {
  ExpectedSecret,
  SourceResult,
  sweepFiles,
  sweepKafka,
  sweepKubernetes,
  sweepPostgres,
  sweepRabbitmq,
} from './sources';

const exec = promisify(execFile);
const env = process.env;

function need(name: string): string {
  const value = env[name];
  if (!value) {
    throw new Error(
      `${name} is not set: eval "$(scripts/testenv/testenv env)" first`,
    );
  }
  return value;
}

/** The queues of the test world's RabbitMQ, from its own rabbitmqctl. */
async function listQueues(run: string): Promise<string[]> {
  const offset = Number(env.KLI8NT_TESTENV_PORT_OFFSET ?? 0);
  const { stdout } = await exec(
    '/usr/lib/rabbitmq/bin/rabbitmqctl',
    ['-q', 'list_queues', 'name', '--no-table-headers'],
    {
      // As scripts/testenv/lib/core.sh's rabbit_env: same cookie, epmd port
      // and node name.
      env: {
        ...env,
        HOME: path.join(run, 'rabbitmq/home'),
        RABBITMQ_CONF_ENV_FILE: '/dev/null',
        ERL_EPMD_PORT: String(24369 + offset),
        RABBITMQ_NODENAME: 'kli8nt-testenv@localhost',
        RABBITMQ_CTL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
      },
    },
  );
  return stdout
    .split('\n')
    .map(l => l.trim())
    .filter(Boolean);
}

export function needlesFor(run: string, platformState: string): Needle[] {
  return [
    ...CREDENTIAL_PATTERNS,
    ...fileNeedle('local GitHub PAT', need('KLI8NT_TEST_GITHUB_TOKEN_FILE')),
    ...pemNeedles('GitHub App key', need('KLI8NT_TEST_GITHUB_APP_KEY_FILE')),
    ...fileNeedle(
      'kli8nt.secretKey (sealing key)',
      path.join(platformState, 'sealing-key'),
    ),
    ...fileNeedle(
      'local-app static token',
      path.join(platformState, 'local-app-token'),
    ),
    ...fileNeedle(
      'GitHub webhook secret',
      path.join(platformState, 'webhook-secret'),
    ),
    ...yamlValueNeedle(
      'portal Kubernetes token',
      path.join(platformState, 'app-config.platform.yaml'),
      'serviceAccountToken',
    ),
    ...pemNeedles(
      'apps wildcard TLS key',
      path.join(run, 'k8s/pki/apps-wildcard.key'),
    ),
  ];
}

export const EXPECTED_SECRETS: ExpectedSecret[] = [
  {
    namespace: '*',
    name: 'kli8nt-registry',
    why: 'the registry push credential; only the trusted push and cache steps mount it',
  },
  {
    namespace: '*',
    type: 'kubernetes.io/tls',
    why: 'certificates with their private keys, for the ingress',
  },
  {
    namespace: '*',
    type: 'kubernetes.io/service-account-token',
    why: 'ServiceAccount tokens, the apiserver’s own',
  },
  {
    namespace: 'kli8nt-apps',
    why: 'app env Secrets: an app’s secret values must reach its pods',
  },
];

async function main() {
  const { values } = parseArgs({
    options: {
      logs: { type: 'string', multiple: true, default: [] },
      report: { type: 'string' },
    },
  });
  const run = need('KLI8NT_TESTENV_RUN');
  const state = path.join(run, 'platform');
  const needles = needlesFor(run, state);
  const started = Date.now();
  const results: SourceResult[] = [];
  const failures: string[] = [];
  const attempt = async (name: string, fn: () => Promise<SourceResult>) => {
    try {
      results.push(await fn());
    } catch (error) {
      failures.push(`${name}: ${(error as Error).message}`);
    }
  };
  await attempt('log files', async () =>
    sweepFiles(
      [path.join(run, 'logs'), path.join(state, 'logs'), ...values.logs!],
      needles,
    ),
  );
  await attempt('Kafka', () =>
    sweepKafka(need('KLI8NT_TEST_KAFKA_BROKERS').split(','), needles),
  );
  await attempt('RabbitMQ', async () =>
    sweepRabbitmq(need('KLI8NT_TEST_AMQP_URL'), await listQueues(run), needles),
  );
  await attempt('PostgreSQL', () =>
    sweepPostgres(need('KLI8NT_TEST_PG_URL'), 'kli8nt_portal_', needles),
  );
  await attempt('Kubernetes', () => sweepKubernetes(needles, EXPECTED_SECRETS));

  // Logs and objects always exist: reading none means the sweep looked in
  // the wrong place, which must not pass as clean.
  for (const r of results) {
    if (r.count === 0 && ['log files', 'Kubernetes'].includes(r.source))
      failures.push(`${r.source}: nothing was read`);
  }
  const hits = results.flatMap(r => r.hits);
  const lines = [
    `secrets sweep: ${needles.length} needles (${needles
      .map(n => n.name)
      .join('; ')})`,
    ...results.map(r => `  ${r.source}: ${r.read}, ${r.hits.length} hits`),
    ...failures.map(f => `  could not sweep ${f}`),
    ...EXPECTED_SECRETS.map(
      e =>
        `  not searched: Secrets ${e.namespace}/${e.name ?? '*'}${
          e.type ? ` of type ${e.type}` : ''
        } (${e.why})`,
    ),
    ...hits.map(h => `  HIT ${h.needle} in ${h.where}`),
    `${hits.length} plaintext hits, ${failures.length} sources not swept, ${(
      (Date.now() - started) /
      1000
    ).toFixed(1)} s`,
  ];
  const text = `${lines.join('\n')}\n`;
  process.stdout.write(text);
  if (values.report) fs.writeFileSync(values.report, text);
  process.exitCode = hits.length > 0 || failures.length > 0 ? 1 : 0;
}

if (require.main === module) {
  main().catch(error => {
    process.stderr.write(`secrets sweep failed: ${error.stack ?? error}\n`);
    process.exitCode = 1;
  });
}
