import { ConfigError, readControllerConfig } from '../config';
import { roles } from '../roles';
import { deployRole } from './role';

describe('deploy role registration', () => {
  it('is registered under its name', () => {
    expect(roles.deploy).toBe(deployRole);
  });

  it('reads the shared settings, its section and RabbitMQ', () => {
    const config = readControllerConfig('deploy', {
      KLI8NT_CLUSTER: 'prod',
      KLI8NT_AMQP_URL: 'amqp://rabbit:5672',
      KLI8NT_APPS_DOMAIN: 'apps.example.com',
      KLI8NT_TLS_MODE: 'none',
      KLI8NT_WORKERS: '4',
    });
    expect(config.role).toMatchObject({
      cluster: 'prod',
      workers: 4,
      appsDomain: 'apps.example.com',
      tls: { mode: 'none' },
      amqp: { url: 'amqp://rabbit:5672', exchange: 'kli8nt' },
    });
  });

  it('lists the problems of both its section and RabbitMQ', () => {
    let problems: string[] = [];
    try {
      readControllerConfig('deploy', { KLI8NT_CLUSTER: 'prod' });
    } catch (error) {
      problems = (error as ConfigError).problems;
    }
    expect(problems.join('\n')).toMatch(/KLI8NT_APPS_DOMAIN: is required/);
    expect(problems.join('\n')).toMatch(/KLI8NT_AMQP_URL/);
  });
});
