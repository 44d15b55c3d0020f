import { spawnSync } from 'node:child_process';
import path from 'node:path';

/*
 * The build Jobs' placement, clone CA and proxy settings rendered with
 * `helm template` into the build controller's environment. Needs helm on
 * PATH (testenv puts it there); skipped without it unless
 * KLI8NT_TESTENV=required.
 */

const chartDir = path.resolve(__dirname, '..');
const hasHelm =
  spawnSync('sh', ['-c', 'command -v helm'], { stdio: 'ignore' }).status === 0;
const required = process.env.KLI8NT_TESTENV === 'required';
const pinned = (name: string, c: string) =>
  `registry.example.com/mirror/${name}@sha256:${c.repeat(64)}`;

const BASE = [
  'secrets.amqpUrl=amqp://kli8nt:secret@rabbitmq:5672',
  'build.registry=registry.example.com/apps',
  'kafka.brokers=kafka:9092',
  `build.cloneImage=${pinned('git', 'b')}`,
  `build.pushImage=${pinned('crane', 'c')}`,
  `build.kanikoImage=${pinned('kaniko', 'a')}`,
];

/** The build controller's KLI8NT_BUILD_* environment. */
function buildEnv(set: string[]): Record<string, string> {
  const args = ['template', 'x', chartDir];
  for (const value of [...BASE, ...set]) args.push('--set', value);
  const result = spawnSync('helm', args, { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(result.stderr);
  const doc = result.stdout
    .split(/^---$/m)
    .find(d => /name: x-build\n/.test(d) && /kind: Deployment/.test(d))!;
  const env: Record<string, string> = {};
  for (const m of doc.matchAll(
    /- name: (KLI8NT_BUILD_[A-Z_]+)\n\s+value: "?([^"\n]*)"?/g,
  )) {
    env[m[1]] = m[2];
  }
  return env;
}

(hasHelm || required ? describe : describe.skip)(
  'build placement, CA and proxy',
  () => {
    it('renders nothing of them by default', () => {
      const env = buildEnv([]);
      for (const name of [
        'KLI8NT_BUILD_NODE_SELECTOR',
        'KLI8NT_BUILD_TOLERATIONS',
        'KLI8NT_BUILD_CA_CONFIGMAP',
        'KLI8NT_BUILD_HTTP_PROXY',
        'KLI8NT_BUILD_HTTPS_PROXY',
        'KLI8NT_BUILD_NO_PROXY',
      ]) {
        expect(env[name]).toBeUndefined();
      }
    });

    it('passes the node selector, tolerations, CA ConfigMap and proxy', () => {
      const env = buildEnv([
        'build.nodeSelector.kli8nt\\.io/pool=builds',
        'build.nodeSelector.disk=ssd',
        'build.tolerations={kli8nt.io/pool=builds:NoSchedule,spot:NoExecute}',
        'build.caConfigMap=ghe-ca',
        'build.proxy.http=http://proxy.corp:3128',
        'build.proxy.https=http://proxy.corp:3128',
        'build.proxy.noProxy=.corp\\,10.0.0.0/8',
      ]);
      expect(env).toMatchObject({
        KLI8NT_BUILD_NODE_SELECTOR: 'disk=ssd,kli8nt.io/pool=builds',
        KLI8NT_BUILD_TOLERATIONS:
          'kli8nt.io/pool=builds:NoSchedule,spot:NoExecute',
        KLI8NT_BUILD_CA_CONFIGMAP: 'ghe-ca',
        KLI8NT_BUILD_HTTP_PROXY: 'http://proxy.corp:3128',
        KLI8NT_BUILD_HTTPS_PROXY: 'http://proxy.corp:3128',
        KLI8NT_BUILD_NO_PROXY: '.corp,10.0.0.0/8',
      });
    });

    it("bounds every build step's ephemeral storage, by default and as set", () => {
      expect(buildEnv([])).toMatchObject({
        KLI8NT_BUILD_EPHEMERAL_STORAGE_REQUEST: '0',
        KLI8NT_BUILD_EPHEMERAL_STORAGE_LIMIT: '20Gi',
      });
      expect(
        buildEnv([
          'build.resources.ephemeralStorageRequest=4Gi',
          'build.resources.ephemeralStorageLimit=40Gi',
        ]),
      ).toMatchObject({
        KLI8NT_BUILD_EPHEMERAL_STORAGE_REQUEST: '4Gi',
        KLI8NT_BUILD_EPHEMERAL_STORAGE_LIMIT: '40Gi',
      });
    });
  },
);
