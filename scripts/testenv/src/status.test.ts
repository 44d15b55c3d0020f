/*
 * `testenv status` is polled (the chaos run, bench/src/env.ts) and its
 * stdout parsed, one line per service: it asks the apiserver for the nodes'
 * DiskPressure only while kube-apiserver runs, with a short timeout, and
 * says so on stderr.
 *
 * No test world: a run dir of its own under /tmp whose kubectl records its
 * arguments and answers a node under DiskPressure, and a process named
 * kube-apiserver (what status checks: the pid file and the command line).
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const testenv = join(__dirname, '..', 'testenv');

let dir: string;
let calls: string;
let apiserver: ChildProcess | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'testenv-status-'));
  const runDir = join(dir, 'run');
  calls = join(dir, 'kubectl.calls');
  for (const sub of ['bin', 'k8s', 'pids']) {
    mkdirSync(join(runDir, sub), { recursive: true });
  }
  writeFileSync(join(runDir, 'k8s', 'admin.kubeconfig'), '');
  writeFileSync(
    join(runDir, 'bin', 'kubectl'),
    `#!/bin/sh\nprintf '%s\\n' "$*" >> '${calls}'\necho 'node-0 True kubelet has disk pressure'\necho 'node-1 False'\n`,
  );
  chmodSync(join(runDir, 'bin', 'kubectl'), 0o755);
});

afterEach(() => {
  apiserver?.kill('SIGKILL');
  apiserver = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function status() {
  const { stdout, stderr } = await run(testenv, ['status'], {
    env: {
      ...process.env,
      KLI8NT_TESTENV_RUN: join(dir, 'run'),
      KLI8NT_CACHE: join(dir, 'cache'),
      KLI8NT_TESTENV_PORT_OFFSET: '900',
    },
  });
  return {
    stdout,
    stderr,
    kubectl: existsSync(calls) ? readFileSync(calls, 'utf8') : '',
  };
}

describe('testenv status', () => {
  it('does not start kubectl while the apiserver is stopped', async () => {
    const { stdout, stderr, kubectl } = await status();
    expect(stdout).toMatch(/^kube-apiserver\s+stopped/m);
    expect(stdout).toMatch(/^postgres\s+stopped/m);
    expect(kubectl).toBe('');
    expect(stderr).not.toContain('DiskPressure');
  });

  it('names a node under DiskPressure on stderr while the apiserver runs', async () => {
    apiserver = spawn('bash', ['-c', 'exec -a kube-apiserver sleep 60'], {
      stdio: 'ignore',
    });
    writeFileSync(
      join(dir, 'run', 'pids', 'kube-apiserver.pid'),
      String(apiserver.pid),
    );
    // Until exec has renamed the process.
    const cmdline = `/proc/${apiserver.pid}/cmdline`;
    while (!readFileSync(cmdline, 'utf8').startsWith('kube-apiserver')) {
      await new Promise(resolve => setTimeout(resolve, 20));
    }

    const { stdout, stderr, kubectl } = await status();
    expect(stdout).toMatch(
      new RegExp(`^kube-apiserver\\s+running .*pid=${apiserver.pid}$`, 'm'),
    );
    expect(stdout).not.toContain('DiskPressure');
    expect(stderr).toContain(
      'node node-0: DiskPressure (kubelet has disk pressure)',
    );
    expect(stderr).not.toContain('node-1');
    expect(kubectl.trim().split('\n')).toHaveLength(1);
    expect(kubectl).toMatch(
      /^--kubeconfig \S+ get nodes --request-timeout=2s /,
    );
  });
});
