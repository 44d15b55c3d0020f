import { execFile, spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { V1Container, V1PodSpec } from '@kubernetes/client-node';

/*
 * Runs the containers of a pod spec, as rendered by the build role, with
 * runc on the host: what a kubelet with containerd would do, reduced to
 * what build steps depend on. Images come from the test registry (crane
 * export), volumes are host directories, and each container gets the
 * user, capabilities, no_new_privs, read-only root and termination-message
 * file its securityContext asks for. Not emulated: seccomp RuntimeDefault
 * (the build step asks for Unconfined anyway), resource limits, and the
 * network namespace (containers share the host's, where only 127.0.0.1 is
 * used). Rlimits are inherited: these machines lack CAP_SYS_RESOURCE.
 */

const run = promisify(execFile);

/** containerd's default capability set, as Kubernetes starts from it. */
const DEFAULT_CAPS = [
  'CHOWN',
  'DAC_OVERRIDE',
  'FSETID',
  'FOWNER',
  'MKNOD',
  'NET_RAW',
  'SETGID',
  'SETUID',
  'SETFCAP',
  'SETPCAP',
  'NET_BIND_SERVICE',
  'SYS_CHROOT',
  'KILL',
  'AUDIT_WRITE',
];

interface ImageConfig {
  Env?: string[];
  User?: string;
  WorkingDir?: string;
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
}

export interface ContainerResult {
  code: number;
  output: string;
  /** What the container wrote to its termination-message path. */
  terminationMessage: string;
}

export class RuncPod {
  private readonly root: string;
  private readonly rootfsCache = new Map<string, Promise<string>>();
  private readonly volumes = new Map<string, string>();
  private count = 0;

  /**
   * @param pod - the pod spec to run
   * @param crane - the crane binary, to fetch images
   * @param secrets - files of each Secret volume by volume name
   */
  constructor(
    private readonly pod: V1PodSpec,
    private readonly crane: string,
    secrets: Record<string, Record<string, string>>,
    workDir: string,
  ) {
    this.root = mkdtempSync(join(workDir, 'pod-'));
    const fsGroup = pod.securityContext?.fsGroup ?? 0;
    for (const volume of pod.volumes ?? []) {
      const dir = join(this.root, 'volumes', volume.name);
      mkdirSync(dir, { recursive: true });
      if (volume.emptyDir) {
        // As the kubelet: world-writable, group-owned by the fsGroup.
        chownSync(dir, 0, fsGroup);
        chmodSync(dir, 0o2777);
      } else if (volume.secret) {
        const files = secrets[volume.name];
        if (!files)
          throw new Error(`no content for Secret volume ${volume.name}`);
        const items =
          volume.secret.items ??
          Object.keys(files).map(key => ({ key, path: key }));
        for (const item of items) {
          const file = join(dir, item.path);
          writeFileSync(file, files[item.key]);
          chownSync(file, 0, fsGroup);
          chmodSync(file, volume.secret.defaultMode ?? 0o644);
        }
        chmodSync(dir, 0o755);
      } else {
        throw new Error(`volume ${volume.name}: only emptyDir and secret`);
      }
      this.volumes.set(volume.name, dir);
    }
  }

  /** A volume's host directory, e.g. to look at the workspace. */
  volume(name: string): string {
    const dir = this.volumes.get(name);
    if (!dir) throw new Error(`no volume ${name}`);
    return dir;
  }

  private async imageConfig(image: string): Promise<ImageConfig> {
    const { stdout } = await run(this.crane, ['config', '--insecure', image], {
      maxBuffer: 16 << 20,
    });
    return (JSON.parse(stdout) as { config?: ImageConfig }).config ?? {};
  }

  private rootfs(image: string): Promise<string> {
    let rootfs = this.rootfsCache.get(image);
    if (!rootfs) {
      rootfs = (async () => {
        const dir = join(this.root, 'images', String(this.rootfsCache.size));
        mkdirSync(dir, { recursive: true });
        await run(
          '/bin/sh',
          [
            '-c',
            '"$0" export --insecure "$1" - | tar --xattrs --xattrs-include="*" -xf - -C "$2"',
            this.crane,
            image,
            dir,
          ],
          { maxBuffer: 16 << 20 },
        );
        return dir;
      })();
      this.rootfsCache.set(image, rootfs);
    }
    return rootfs;
  }

  private capabilities(container: V1Container): string[] {
    const caps = container.securityContext?.capabilities;
    const drop = caps?.drop ?? [];
    const kept = drop.includes('ALL')
      ? []
      : DEFAULT_CAPS.filter(c => !drop.includes(c));
    return [...new Set([...kept, ...(caps?.add ?? [])])].map(c => `CAP_${c}`);
  }

  private async spec(container: V1Container, terminationLog: string) {
    const image = container.image!;
    const [config, rootfs] = await Promise.all([
      this.imageConfig(image),
      this.rootfs(image),
    ]);
    const security = container.securityContext ?? {};
    const [imageUid, imageGid] = (config.User ?? '0').split(':');
    const uid = security.runAsUser ?? Number(imageUid || 0);
    const gid = security.runAsGroup ?? Number(imageGid || 0);
    const fsGroup = this.pod.securityContext?.fsGroup;
    const env = new Map<string, string>();
    for (const entry of config.Env ?? []) {
      const eq = entry.indexOf('=');
      env.set(entry.slice(0, eq), entry.slice(eq + 1));
    }
    for (const e of container.env ?? []) env.set(e.name, e.value ?? '');
    const args = [
      ...(container.command ?? config.Entrypoint ?? []),
      ...(container.args ?? (container.command ? [] : config.Cmd ?? [])),
    ];
    const caps = this.capabilities(container);
    const mounts = [
      { destination: '/proc', type: 'proc', source: 'proc' },
      {
        destination: '/dev',
        type: 'tmpfs',
        source: 'tmpfs',
        options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
      },
      {
        destination: '/dev/pts',
        type: 'devpts',
        source: 'devpts',
        options: [
          'nosuid',
          'noexec',
          'newinstance',
          'ptmxmode=0666',
          'mode=0620',
        ],
      },
      {
        destination: '/dev/shm',
        type: 'tmpfs',
        source: 'shm',
        options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'],
      },
      {
        destination: '/dev/mqueue',
        type: 'mqueue',
        source: 'mqueue',
        options: ['nosuid', 'noexec', 'nodev'],
      },
      {
        destination: '/sys',
        type: 'sysfs',
        source: 'sysfs',
        options: ['nosuid', 'noexec', 'nodev', 'ro'],
      },
      {
        destination: '/sys/fs/cgroup',
        type: 'cgroup',
        source: 'cgroup',
        options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'],
      },
      {
        destination: '/etc/resolv.conf',
        type: 'bind',
        source: '/etc/resolv.conf',
        options: ['rbind', 'ro'],
      },
      ...(container.volumeMounts ?? []).map(m => ({
        destination: m.mountPath,
        type: 'bind',
        source: this.volume(m.name),
        options: ['rbind', m.readOnly ? 'ro' : 'rw'],
      })),
      {
        destination: container.terminationMessagePath ?? '/dev/termination-log',
        type: 'bind',
        source: terminationLog,
        options: ['rbind', 'rw'],
      },
    ];
    return {
      ociVersion: '1.0.2',
      process: {
        terminal: false,
        user: {
          uid,
          gid,
          ...(fsGroup !== undefined ? { additionalGids: [fsGroup] } : {}),
        },
        args,
        env: [...env].map(([k, v]) => `${k}=${v}`),
        cwd: container.workingDir ?? (config.WorkingDir || '/'),
        capabilities: {
          bounding: caps,
          effective: caps,
          permitted: caps,
        },
        noNewPrivileges: security.allowPrivilegeEscalation === false,
      },
      root: {
        path: rootfs,
        readonly: security.readOnlyRootFilesystem === true,
      },
      hostname: 'build',
      mounts,
      linux: {
        namespaces: [
          { type: 'pid' },
          { type: 'ipc' },
          { type: 'uts' },
          { type: 'mount' },
          { type: 'cgroup' },
        ],
        maskedPaths: [
          '/proc/acpi',
          '/proc/asound',
          '/proc/kcore',
          '/proc/keys',
          '/proc/latency_stats',
          '/proc/timer_list',
          '/proc/timer_stats',
          '/proc/sched_debug',
          '/proc/scsi',
          '/sys/firmware',
        ],
        readonlyPaths: [
          '/proc/bus',
          '/proc/fs',
          '/proc/irq',
          '/proc/sys',
          '/proc/sysrq-trigger',
        ],
      },
    };
  }

  /** Runs one container of the pod to its end. */
  async runContainer(
    container: V1Container,
    timeoutMs: number,
  ): Promise<ContainerResult> {
    const id = `kli8nt-${process.pid}-${++this.count}-${container.name}`;
    const bundle = join(this.root, 'bundles', id);
    mkdirSync(bundle, { recursive: true });
    const terminationLog = join(bundle, 'termination-log');
    // World-writable, as the kubelet makes it for any container user.
    writeFileSync(terminationLog, '');
    chmodSync(terminationLog, 0o666);
    writeFileSync(
      join(bundle, 'config.json'),
      JSON.stringify(await this.spec(container, terminationLog)),
    );
    const state = join(this.root, 'runc');
    const child = spawn(
      'runc',
      ['--root', state, 'run', '--bundle', bundle, id],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', d => (output += d));
    child.stderr.on('data', d => (output += d));
    const timer = setTimeout(() => {
      run('runc', ['--root', state, 'kill', id, 'KILL']).catch(() => undefined);
    }, timeoutMs);
    const code = await new Promise<number>(resolve =>
      child.on('close', c => resolve(c ?? 1)),
    );
    clearTimeout(timer);
    await run('runc', ['--root', state, 'delete', '--force', id]).catch(
      () => undefined,
    );
    return {
      code,
      output,
      terminationMessage: existsSync(terminationLog)
        ? readFileSync(terminationLog, 'utf8')
        : '',
    };
  }
}
