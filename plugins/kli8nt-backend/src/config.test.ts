import { ConfigReader } from '@backstage/config';
import { readKli8ntBackendConfig } from './config';

const LIMITS = {
  app: {
    maxCpu: '16',
    maxMemory: '32Gi',
    defaultCpu: '500m',
    defaultMemory: '256Mi',
  },
  builds: { perApp: 1, perCluster: 4 },
};

describe('readKli8ntBackendConfig', () => {
  it('applies defaults to an empty config', () => {
    expect(readKli8ntBackendConfig(new ConfigReader({}))).toEqual({
      cluster: 'default',
      secretKey: undefined,
      github: {
        host: 'github.com',
        deployments: true,
        environment: 'kli8nt-default',
        trustedOrigins: [],
      },
      outbox: {
        pollIntervalMs: 5000,
        batchSize: 50,
        maxBackoffMs: 30000,
        maxAttempts: 20,
      },
      sweeper: {
        intervalSeconds: 60,
        deadlineMinutes: { queued: 15, building: 60, built: 15, deploying: 30 },
        retentionDays: 30,
      },
      logs: {
        maxBufferedBytes: 1048576,
        heartbeatIntervalMs: 30000,
        maxConnectionsPerUser: 20,
        maxReplayLines: 50000,
      },
      limits: {
        app: {
          maxCpu: '8',
          maxMemory: '16Gi',
          defaultCpu: '1',
          defaultMemory: '512Mi',
        },
        builds: { perApp: 3, perCluster: 20 },
      },
    });
  });

  it('reads every key', () => {
    const config = readKli8ntBackendConfig(
      new ConfigReader({
        kli8nt: {
          cluster: 'eu-1',
          secretKey: 'a'.repeat(64),
          github: {
            host: 'ghe.example.com',
            deployments: false,
            environment: 'production',
            trustedOrigins: ['url:https://github.com/acme/catalog/'],
          },
          outbox: {
            pollIntervalMs: 100,
            batchSize: 5,
            maxBackoffMs: 1000,
            maxAttempts: 3,
          },
          sweeper: {
            intervalSeconds: 5,
            deadlineMinutes: { queued: 1, building: 2, built: 3, deploying: 4 },
            retentionDays: 7,
          },
          logs: {
            maxBufferedBytes: 4096,
            heartbeatIntervalMs: 1000,
            maxConnectionsPerUser: 3,
            maxReplayLines: 500,
          },
          limits: LIMITS,
        },
      }),
    );
    expect(config).toEqual({
      cluster: 'eu-1',
      secretKey: 'a'.repeat(64),
      github: {
        host: 'ghe.example.com',
        deployments: false,
        environment: 'production',
        trustedOrigins: ['url:https://github.com/acme/catalog/'],
      },
      outbox: {
        pollIntervalMs: 100,
        batchSize: 5,
        maxBackoffMs: 1000,
        maxAttempts: 3,
      },
      sweeper: {
        intervalSeconds: 5,
        deadlineMinutes: { queued: 1, building: 2, built: 3, deploying: 4 },
        retentionDays: 7,
      },
      logs: {
        maxBufferedBytes: 4096,
        heartbeatIntervalMs: 1000,
        maxConnectionsPerUser: 3,
        maxReplayLines: 500,
      },
      limits: LIMITS,
    });
  });

  it('derives the GitHub environment from the cluster', () => {
    const config = readKli8ntBackendConfig(
      new ConfigReader({ kli8nt: { cluster: 'prod' } }),
    );
    expect(config.github.environment).toBe('kli8nt-prod');
  });

  it.each([
    [{ cluster: 'Not_A_Label' }, /kli8nt.cluster/],
    [{ outbox: { batchSize: 0 } }, /kli8nt.outbox.batchSize/],
    [{ logs: { heartbeatIntervalMs: 1.5 } }, /kli8nt.logs.heartbeatIntervalMs/],
    [{ logs: { maxReplayLines: 0 } }, /kli8nt.logs.maxReplayLines/],
    [{ limits: { app: { maxCpu: 'lots' } } }, /kli8nt.limits.app.maxCpu/],
    [{ limits: { app: { maxMemory: '0' } } }, /kli8nt.limits.app.maxMemory/],
    [{ limits: { builds: { perApp: -1 } } }, /kli8nt.limits.builds.perApp/],
  ])('rejects %j', (kli8nt, message) => {
    expect(() => readKli8ntBackendConfig(new ConfigReader({ kli8nt }))).toThrow(
      message,
    );
  });
});
