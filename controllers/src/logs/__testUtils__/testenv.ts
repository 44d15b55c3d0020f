import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const NEEDED = [
  'KUBECONFIG',
  'KLI8NT_TEST_KAFKA_BROKERS',
  'KLI8NT_TEST_KWOK_LOGS_DIR',
];

const missingEnv = () => NEEDED.filter(v => !process.env[v]);

/**
 * Integration suites skip without the test world, unless
 * KLI8NT_TESTENV=required: then they run and {@link requireTestenv} (first
 * in `beforeAll`) fails them, naming what is missing.
 */
export const describeWithTestenv: jest.Describe =
  missingEnv().length === 0 || process.env.KLI8NT_TESTENV === 'required'
    ? describe
    : describe.skip;

export function requireTestenv(): void {
  const missing = missingEnv();
  if (missing.length > 0) {
    throw new Error(
      `${missing.join(
        ', ',
      )} not set but KLI8NT_TESTENV=required; run eval "$(scripts/testenv/testenv env)"`,
    );
  }
}

const testenvScript = resolve(__dirname, '../../../../scripts/testenv/testenv');

/** Restarts Kafka, keeping its data. */
export async function restartKafka(): Promise<void> {
  await promisify(execFile)(testenvScript, ['restart', 'kafka'], {
    timeout: 240_000,
  });
}
