/*
 * `testenv down` leaves nothing of the real node on the host: no process
 * (containers and their reparented shims included), network namespace,
 * veth, route, iptables rule, mount, cgroup or log link.
 *
 * Runs against a throwaway environment of its own (run dir under /tmp,
 * port offset KLI8NT_TESTENV_DOWNTEST_OFFSET, default 900) with just the
 * services the node needs, so the shared environment is never touched.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
} from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readTestEnv } from './index';

const env = readTestEnv();
const describeWithNode = env?.realNode ? describe : describe.skip;
const run = promisify(execFile);
const testenv = join(__dirname, '..', 'testenv');
const offset = process.env.KLI8NT_TESTENV_DOWNTEST_OFFSET ?? '900';

jest.setTimeout(600_000);

/** Command lines of every process, by pid. */
function processes(): Map<number, string> {
  const result = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      result.set(Number(entry), cmd.split('\0').join(' ').trim());
    } catch {
      // gone meanwhile
    }
  }
  return result;
}

describeWithNode('testenv down (real node)', () => {
  const runDir = mkdtempSync('/tmp/kli8nt-node-down-');
  const childEnv = {
    ...process.env,
    KLI8NT_TESTENV_RUN: runDir,
    KLI8NT_TESTENV_PORT_OFFSET: offset,
  };
  const te = (...args: string[]) =>
    run(testenv, args, { env: childEnv, maxBuffer: 16 * 1024 * 1024 });
  const vars: Record<string, string> = {};
  const marker = String(
    3_000_000 + (randomBytes(2).readUInt16BE() % 1_000_000),
  );

  const leftovers = async () => {
    const ns = vars.KLI8NT_TEST_NODE_NETNS;
    const hostIp = vars.KLI8NT_TEST_NODE_HOST_IP;
    const tag = `kli8nt-node-${offset}`;
    const found: string[] = [];
    for (const [pid, cmd] of processes()) {
      if (pid === process.pid) continue;
      if (
        cmd.includes(runDir) ||
        cmd.includes(`bind=${hostIp},`) ||
        cmd === `sleep ${marker}`
      ) {
        found.push(`process ${pid}: ${cmd}`);
      }
    }
    if (existsSync(`/var/run/netns/${ns}`)) found.push(`netns ${ns}`);
    const links = (await run('ip', ['-o', 'link', 'show'])).stdout;
    if (
      links.includes(`kli8nt-${offset}@`) ||
      links.includes(`kli8nt-${offset}:`)
    ) {
      found.push(`veth kli8nt-${offset}`);
    }
    const routes = (await run('ip', ['-4', 'route', 'show'])).stdout;
    for (const line of routes.split('\n')) {
      if (
        line.includes(`metric ${4000 + Number(offset)}`) ||
        line.includes(hostIp)
      ) {
        found.push(`route ${line}`);
      }
    }
    const rules = (await run('iptables-save')).stdout;
    for (const line of rules.split('\n')) {
      if (line.includes(tag)) found.push(`iptables ${line}`);
    }
    for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split(
      '\n',
    )) {
      if (line.split(' ')[4]?.startsWith(runDir)) found.push(`mount ${line}`);
    }
    for (const controller of readdirSync('/sys/fs/cgroup')) {
      if (existsSync(`/sys/fs/cgroup/${controller}/${tag}`)) {
        found.push(`cgroup ${controller}/${tag}`);
      }
    }
    if (existsSync('/var/log/containers')) {
      for (const link of readdirSync('/var/log/containers')) {
        try {
          if (readlinkSync(`/var/log/containers/${link}`).startsWith(runDir)) {
            found.push(`log link ${link}`);
          }
        } catch {
          // not a link
        }
      }
    }
    return found;
  };

  afterAll(async () => {
    await te('down').catch(() => {});
    rmSync(runDir, { recursive: true, force: true });
  });

  it('removes every process, namespace, veth, route, rule, mount and cgroup it made', async () => {
    // The node and what it needs: etcd, apiserver, controller-manager
    // (ServiceAccounts), registry (images).
    await te(
      'up',
      'etcd',
      'kube-apiserver',
      'kube-controller-manager',
      'registry',
      'node',
    );
    for (const line of (await te('env')).stdout.split('\n')) {
      const m = /^export (\w+)='(.*)'$/.exec(line);
      if (m) vars[m[1]] = m[2];
    }
    const kubectl = (args: string[], input?: unknown) => {
      const child = run(join(vars.KLI8NT_TESTENV_BIN, 'kubectl'), [
        '--kubeconfig',
        vars.KUBECONFIG,
        ...args,
      ]);
      if (input !== undefined) child.child.stdin!.end(JSON.stringify(input));
      return child;
    };
    // A running container, so there are shims and mounts to clean up. No
    // scheduler here: the pod names its node.
    for (let i = 0; ; i++) {
      try {
        await kubectl(['-n', 'default', 'get', 'serviceaccount', 'default']);
        break;
      } catch (error) {
        if (i > 120) throw error;
        await new Promise(resolve => setTimeout(resolve, 500));
      }
    }
    await kubectl(['apply', '-f', '-'], {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'sleeper', namespace: 'default' },
      spec: {
        nodeName: vars.KLI8NT_TEST_REAL_NODE,
        tolerations: [{ operator: 'Exists' }],
        containers: [
          {
            name: 'main',
            image: vars.KLI8NT_TEST_BUSYBOX_IMAGE,
            command: ['sleep', marker],
          },
        ],
      },
    });
    await kubectl([
      '-n',
      'default',
      'wait',
      '--for=condition=Ready',
      '--timeout=180s',
      'pod/sleeper',
    ]);

    // Not vacuous: all of it is there before `down`.
    const before = (await leftovers()).join('\n');
    for (const kind of [
      'netns',
      'veth',
      'route',
      'iptables',
      'mount',
      'cgroup',
    ]) {
      expect(before).toContain(`${kind} `);
    }
    expect(before).toContain(`sleep ${marker}`);
    expect(before).toContain('containerd-shim');
    expect(before).toContain('kubelet');

    await te('down');
    expect(await leftovers()).toEqual([]);
  });
});
