import { FakeKli8ntApi, makeDeployment } from './FakeKli8ntApi';

describe('FakeKli8ntApi', () => {
  it('cancels a build that has not been rolled out, at once', async () => {
    const api = new FakeKli8ntApi();
    const d = makeDeployment({ status: 'building', finishedAt: undefined });
    api.deployments = [d];
    expect(await api.cancel(d.id)).toMatchObject({
      status: 'cancelled',
      failureReason: 'Cancelled',
    });
    expect((await api.getDeployment(d.id)).finishedAt).toBeDefined();
  });

  it.each([
    [{ status: 'live' as const }, /it is already live/],
    [{ status: 'built' as const }, /rollout was already sent/],
    [{ status: 'deploying' as const }, /rollout was already sent/],
    [{ status: 'queued' as const, trigger: 'rollback' as const }, /rollout/],
  ])('refuses to cancel %j', async (partial, message) => {
    const api = new FakeKli8ntApi();
    const d = makeDeployment({ ...partial, finishedAt: undefined });
    api.deployments = [d];
    await expect(api.cancel(d.id)).rejects.toMatchObject({
      name: 'ConflictError',
      message: expect.stringMatching(message),
    });
    expect(d.status).toBe(partial.status);
  });

  it('never moves a deployment backwards', () => {
    const api = new FakeKli8ntApi();
    const d = makeDeployment({ status: 'deploying', finishedAt: undefined });
    api.deployments = [d];
    expect(api.report(d.id, 'building')).toBe(false);
    expect(api.report(d.id, 'deploying')).toBe(false);
    expect(api.report(d.id, 'live', { url: 'https://a.example.com' })).toBe(
      true,
    );
    expect(d).toMatchObject({ status: 'live', url: 'https://a.example.com' });
    // A later report of a failed rollout outranks live; nothing undoes it.
    expect(api.report(d.id, 'failed')).toBe(true);
    expect(api.report(d.id, 'live')).toBe(false);
    expect(d.status).toBe('failed');
  });
});
