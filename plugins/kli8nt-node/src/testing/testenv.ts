import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';

/**
 * Per the team rule: integration tests skip when their service's env var is
 * missing, unless KLI8NT_TESTENV=required, in which case they fail.
 */
export function testenvStatus(
  envVar: string,
): 'available' | 'skip' | 'missing' {
  if (process.env[envVar]) return 'available';
  return process.env.KLI8NT_TESTENV === 'required' ? 'missing' : 'skip';
}

export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

function testenvScript(): string {
  for (let dir = process.cwd(); dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = resolve(dir, 'scripts/testenv/testenv');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(
    'scripts/testenv/testenv not found above the working directory',
  );
}

/** Restarts a testenv service, keeping its data. */
export async function restartService(service: 'rabbitmq' | 'kafka') {
  await promisify(execFile)(testenvScript(), ['restart', service], {
    timeout: 180_000,
  });
}

export async function waitFor(
  condition: () => boolean,
  timeoutMs: number,
  what: string,
) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 20));
  }
}
