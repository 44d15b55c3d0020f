import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';

/** The bench workspace's folder. */
export const BENCH_DIR = dirname(
  require.resolve('@internal/kli8nt-bench/package.json'),
);
export const ROOT = resolve(BENCH_DIR, '..');
const TESTENV = resolve(ROOT, 'scripts/testenv/testenv');

/**
 * The test world's settings: from the environment when
 * `eval "$(scripts/testenv/testenv env)"` was run, else read from
 * `testenv env` (same KLI8NT_TESTENV_RUN / _PORT_OFFSET). Throws, saying
 * what to run, when a needed service is not up.
 */
export function testWorld(needed: string[]): Record<string, string> {
  const read: Record<string, string> = {};
  if (needed.some(name => !process.env[name])) {
    let text = '';
    try {
      text = execFileSync(TESTENV, ['env'], { encoding: 'utf8' });
    } catch (error) {
      throw new Error(
        `Cannot read the test world's settings (${TESTENV} env: ${error}). Run scripts/testenv/testenv up first.`,
      );
    }
    for (const match of text.matchAll(/^export (\w+)=(?:'([^']*)'|(\S*))$/gm)) {
      read[match[1]] = match[2] ?? match[3];
    }
  }
  // Only what was asked for (PATH there is shell syntax, not a value).
  const env: Record<string, string> = {};
  for (const name of needed) env[name] = process.env[name] ?? read[name];
  const missing = needed.filter(name => !env[name]);
  if (missing.length > 0) {
    throw new Error(
      `Missing ${missing.join(', ')}: run scripts/testenv/testenv up`,
    );
  }
  return env;
}

/** Services of the test world that are not running (`testenv status`). */
export function stoppedServices(services: string[]): string[] {
  const text = execFileSync(TESTENV, ['status'], { encoding: 'utf8' });
  return services.filter(
    service => !new RegExp(`^${service}\\s+running`, 'm').test(text),
  );
}
