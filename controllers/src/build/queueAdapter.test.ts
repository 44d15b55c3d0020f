import { createMessage } from '@kli8nt/backstage-plugin-kli8nt-common';
import { parseBuildQueueMessage } from './queueAdapter';
import { buildRequested, DEPLOYMENT_ID } from './testFixtures';

describe('parseBuildQueueMessage', () => {
  it('accepts BuildRequested and CancelRequested', () => {
    expect(parseBuildQueueMessage(buildRequested())).toMatchObject({
      ok: true,
    });
    const cancel = createMessage('CancelRequested', {
      deploymentId: DEPLOYMENT_ID,
      payload: { app: 'shop', cluster: 'prod' },
    });
    expect(parseBuildQueueMessage(cancel)).toMatchObject({ ok: true });
  });

  it('refuses other message types and names the failing field of invalid ones', () => {
    const report = createMessage('StatusReport', {
      deploymentId: DEPLOYMENT_ID,
      payload: {
        app: 'shop',
        cluster: 'prod',
        status: 'building',
        source: 'build',
      },
    });
    expect(parseBuildQueueMessage(report)).toEqual({
      ok: false,
      error: 'type: StatusReport does not belong on a build queue',
    });
    const invalid = JSON.parse(JSON.stringify(buildRequested()));
    invalid.payload.revision = 'main';
    const result = parseBuildQueueMessage(invalid);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toContain('payload.revision');
  });
});
