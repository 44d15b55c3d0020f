import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { testenvGate } from '../../__testUtils__/testenvGate';

/** Gates the logs integration suites on the test world (see testenvGate). */
export const { describeWithTestenv, requireTestenv } = testenvGate([
  'KUBECONFIG',
  'KLI8NT_TEST_KAFKA_BROKERS',
  'KLI8NT_TEST_KWOK_LOGS_DIR',
]);

const testenvScript = resolve(__dirname, '../../../../scripts/testenv/testenv');

/** Restarts Kafka, keeping its data. */
export async function restartKafka(): Promise<void> {
  await promisify(execFile)(testenvScript, ['restart', 'kafka'], {
    timeout: 240_000,
  });
}
