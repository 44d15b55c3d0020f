import { desiredBuild, desiredJob } from './desired';
import { javaNonProxyHosts, javaProxyOptions, proxyBuildArgs } from './proxy';
import { buildkitJobConfig, buildRequested, jobConfig } from './testFixtures';
import type { JobConfig } from './jobParts';

/*
 * The placement, CA and proxy settings of the build Job
 * (KLI8NT_BUILD_TOLERATIONS, KLI8NT_BUILD_CA_CONFIGMAP, build.proxy).
 */

const NOW = new Date('2025-01-02T03:05:05Z');
const PROXY = {
  httpProxy: 'http://proxy.corp:3128',
  httpsProxy: 'http://user:s3cret@proxy.corp:8443',
  noProxy: '.corp,10.0.0.0/8,localhost',
};

function job(config: JobConfig, buildArgs?: Record<string, string>) {
  const b = desiredBuild(buildRequested(), 'kli8nt-builds');
  b.metadata.uid = 'build-uid';
  if (buildArgs) b.spec.buildArgs = buildArgs;
  return desiredJob(b, config, NOW).spec!.template.spec!;
}

describe('build Job settings', () => {
  it('tolerates the configured taints, and nothing by default', () => {
    const tolerations = [
      {
        key: 'kli8nt.io/node',
        operator: 'Equal',
        value: 'real',
        effect: 'NoSchedule',
      },
    ];
    expect(job({ ...jobConfig, tolerations }).tolerations).toEqual(tolerations);
    expect(job(jobConfig).tolerations).toBeUndefined();
  });

  it('mounts the CA ConfigMap read-only into the clone step only', () => {
    const pod = job({ ...buildkitJobConfig, caConfigMap: 'ghe-ca' });
    expect(pod.volumes).toContainEqual({
      name: 'build-ca',
      configMap: {
        name: 'ghe-ca',
        items: [{ key: 'ca.crt', path: 'ca.crt' }],
        defaultMode: 0o444,
      },
    });
    const [clone, ...others] = [...pod.initContainers!, ...pod.containers];
    expect(clone.name).toBe('clone');
    expect(clone.volumeMounts).toContainEqual({
      name: 'build-ca',
      mountPath: '/etc/kli8nt/ca',
      readOnly: true,
    });
    expect(clone.env).toContainEqual({
      name: 'GIT_SSL_CAINFO',
      value: '/etc/kli8nt/ca/ca.crt',
    });
    for (const c of others) {
      expect(c.volumeMounts!.map(m => m.name)).not.toContain('build-ca');
    }
    expect(job(buildkitJobConfig).volumes!.map(v => v.name)).not.toContain(
      'build-ca',
    );
  });

  it('gives the clone step the proxy variables', () => {
    const clone = job({ ...jobConfig, proxy: PROXY }).initContainers![0];
    const env = Object.fromEntries(clone.env!.map(e => [e.name, e.value]));
    expect(env).toMatchObject({
      HTTP_PROXY: PROXY.httpProxy,
      http_proxy: PROXY.httpProxy,
      HTTPS_PROXY: PROXY.httpsProxy,
      https_proxy: PROXY.httpsProxy,
      NO_PROXY: PROXY.noProxy,
      no_proxy: PROXY.noProxy,
    });
    expect(env.JAVA_TOOL_OPTIONS).toBeUndefined();
  });

  it('passes the proxy to BuildKit and Kaniko as build arguments', () => {
    const buildkit = job(
      { ...buildkitJobConfig, proxy: PROXY },
      {
        HTTP_PROXY: 'http://own:1',
      },
    ).initContainers!.find(c => c.name === 'buildkit')!;
    expect(buildkit.args).toContain('--opt=build-arg:HTTP_PROXY=http://own:1');
    expect(buildkit.args).not.toContain(
      `--opt=build-arg:HTTP_PROXY=${PROXY.httpProxy}`,
    );
    expect(buildkit.args).toContain(
      `--opt=build-arg:https_proxy=${PROXY.httpsProxy}`,
    );
    expect(buildkit.args).toContain(
      '--opt=build-arg:MAVEN_OPTS=-Dhttp.proxyHost=proxy.corp -Dhttp.proxyPort=3128 -Dhttps.proxyHost=proxy.corp -Dhttps.proxyPort=8443 -Dhttp.nonProxyHosts=*.corp|localhost',
    );
    const kaniko = job({ ...jobConfig, proxy: PROXY }).initContainers!.find(
      c => c.name === 'kaniko',
    )!;
    expect(kaniko.args).toContain(`--build-arg=NO_PROXY=${PROXY.noProxy}`);
    expect(
      kaniko.args!.filter(a => a.startsWith('--build-arg=GRADLE_OPTS=')),
    ).toHaveLength(1);
    // Without a proxy, no proxy argument at all.
    expect(
      job(buildkitJobConfig).initContainers!.flatMap(c => c.args ?? []),
    ).not.toEqual(expect.arrayContaining([expect.stringMatching(/PROXY/i)]));
  });

  it('keeps credentials out of the JVM options', () => {
    expect(javaProxyOptions(PROXY)).not.toContain('s3cret');
    expect(javaProxyOptions({ httpsProxy: 'https://p.corp' })).toBe(
      '-Dhttps.proxyHost=p.corp -Dhttps.proxyPort=443',
    );
    expect(javaNonProxyHosts('.a.com, b ,192.168.0.0/16')).toBe('*.a.com|b');
    expect(proxyBuildArgs({})).toEqual([]);
  });
});
