import { hostname } from 'node:os';
import { ConfigError, readControllerConfig } from './config';

/* The shared section and the reading rules every role's variables follow. */

const logs = { KLI8NT_CLUSTER: 'prod', KLI8NT_KAFKA_BROKERS: 'kafka:9092' };

function problems(
  role: 'build' | 'deploy' | 'logs',
  env: Record<string, string | undefined>,
): string[] {
  try {
    readControllerConfig(role, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('shared settings', () => {
  it('have defaults for everything but the cluster', () => {
    expect(readControllerConfig('logs', logs).shared).toEqual({
      cluster: 'prod',
      resyncMs: 300_000,
      watchStaleMs: 300_000,
      workers: 2,
      healthPort: 0,
      podName: hostname(),
      podNamespace: 'default',
    });
  });

  it('are read from their variables', () => {
    expect(
      readControllerConfig('logs', {
        ...logs,
        KLI8NT_RESYNC_SECONDS: '60',
        KLI8NT_WATCH_STALE_SECONDS: '90',
        KLI8NT_WORKERS: '4',
        KLI8NT_HEALTH_PORT: '8081',
        POD_NAME: 'kli8nt-logs-0',
        POD_NAMESPACE: 'kli8nt',
      }).shared,
    ).toEqual({
      cluster: 'prod',
      resyncMs: 60_000,
      watchStaleMs: 90_000,
      workers: 4,
      healthPort: 8081,
      podName: 'kli8nt-logs-0',
      podNamespace: 'kli8nt',
    });
  });

  it('take an empty variable as unset and drop surrounding space', () => {
    expect(
      readControllerConfig('logs', {
        ...logs,
        KLI8NT_CLUSTER: ' prod ',
        KLI8NT_WORKERS: '',
        KLI8NT_RESYNC_SECONDS: ' 30 ',
        POD_NAME: '',
      }).shared,
    ).toMatchObject({
      cluster: 'prod',
      workers: 2,
      resyncMs: 30_000,
      podName: hostname(),
    });
  });

  it('name the variable, what it expects and what it got', () => {
    expect(problems('logs', { ...logs, KLI8NT_WORKERS: 'many' })).toEqual([
      'KLI8NT_WORKERS: expected an integer from 1 to 64, got "many"',
    ]);
    expect(problems('logs', { ...logs, KLI8NT_CLUSTER: undefined })).toEqual([
      'KLI8NT_CLUSTER: is required, expected a cluster name (a DNS label) such as prod',
    ]);
  });

  it("are reported together with the role's problems", () => {
    expect(
      problems('logs', {
        KLI8NT_CLUSTER: 'Prod!',
        KLI8NT_HEALTH_PORT: '70000',
      }),
    ).toEqual([
      'KLI8NT_CLUSTER: expected a cluster name (a DNS label) such as prod, got "Prod!"',
      'KLI8NT_HEALTH_PORT: expected an integer from 0 to 65535, got "70000"',
      'KLI8NT_KAFKA_BROKERS: is required, expected comma-separated host:port such as kafka-0:9092,kafka-1:9092',
    ]);
  });
});

describe('the broker section', () => {
  it('is one section, amqp, read alike by the build and the deploy role', () => {
    const amqp = {
      KLI8NT_CLUSTER: 'prod',
      KLI8NT_AMQP_URL: 'amqps://u:p@rabbitmq:5671/kli8nt',
      KLI8NT_AMQP_EXCHANGE: 'x',
      KLI8NT_AMQP_DELIVERY_LIMIT: '3',
    };
    const build = readControllerConfig('build', {
      ...amqp,
      KLI8NT_BUILD_REGISTRY: 'registry.example.com/apps',
      KLI8NT_BUILD_DETECT_IMAGE: 'controllers:1',
      KLI8NT_BUILD_KANIKO_IMAGE: `kaniko@sha256:${'a'.repeat(64)}`,
      KLI8NT_BUILD_CLONE_IMAGE: `git@sha256:${'b'.repeat(64)}`,
      KLI8NT_BUILD_PUSH_IMAGE: `crane@sha256:${'c'.repeat(64)}`,
    }).role.amqp;
    const deploy = readControllerConfig('deploy', {
      ...amqp,
      KLI8NT_APPS_DOMAIN: 'apps.example.com',
      KLI8NT_TLS_MODE: 'none',
    }).role.amqp;
    expect(build).toEqual(deploy);
    expect(build).toMatchObject({ exchange: 'x', deliveryLimit: 3 });
  });

  it('never repeats the URL, which holds a password', () => {
    const listed = problems('deploy', {
      KLI8NT_CLUSTER: 'prod',
      KLI8NT_AMQP_URL: 'http://kli8nt:s3cret@rabbit',
      KLI8NT_APPS_DOMAIN: 'apps.example.com',
      KLI8NT_TLS_MODE: 'none',
    });
    expect(listed).toEqual([
      'KLI8NT_AMQP_URL: expected an amqp(s) URL such as amqps://user:password@rabbitmq:5671/vhost (the value is not shown)',
    ]);
  });
});
