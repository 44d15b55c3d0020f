import { mockServices } from '@backstage/backend-test-utils';
import { SignalsService } from '@backstage/plugin-signals-node';
import { GithubGateway } from '../github/GithubGateway';
import { testDeployment } from '../__testUtils__/messages';
import { DefaultDeploymentNotifier } from './DeploymentNotifier';

describe('DefaultDeploymentNotifier', () => {
  it('signals only which deployment changed, never its message, URL or requester', async () => {
    const published: unknown[] = [];
    const signals: SignalsService = {
      publish: async signal => {
        published.push(signal);
      },
    };
    const notifier = new DefaultDeploymentNotifier({
      github: {} as GithubGateway,
      signals,
      logger: mockServices.logger.mock(),
    });
    const failed = {
      ...testDeployment(),
      status: 'failed' as const,
      reason: 'BuildFailed',
      message: 'kaniko exited with code 1:\nnpm ERR! DATABASE_URL=postgres://…',
      url: 'https://shop.apps.example.com',
    };
    await notifier.statusChanged(failed, { status: 'building' });
    expect(published).toEqual([
      {
        recipients: { type: 'broadcast' },
        channel: `kli8nt:deployment:${failed.entityRef}`,
        message: { type: 'deployment', deploymentId: failed.id },
      },
    ]);
  });
});
