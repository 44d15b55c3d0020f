import { FakeKli8ntApi, makeDeployment } from './FakeKli8ntApi';

describe('FakeKli8ntApi', () => {
  it('cancels a deployment that has not reached a cluster at once', async () => {
    const api = new FakeKli8ntApi();
    const d = await api.createDeployment({ entityRef: 'component:default/a' });
    expect(await api.cancel(d.id)).toMatchObject({
      status: 'cancelled',
      failureReason: 'CancelledBeforeDispatch',
    });
    expect((await api.getDeployment(d.id)).finishedAt).toBeDefined();
  });

  it('only asks a running deployment to stop, as the backend does', async () => {
    const api = new FakeKli8ntApi();
    const d = makeDeployment({ status: 'building', finishedAt: undefined });
    api.deployments = [d];
    expect(await api.cancel(d.id)).toMatchObject({ status: 'building' });
    expect(api.report(d.id, 'cancelled')).toBe(true);
    expect((await api.getDeployment(d.id)).status).toBe('cancelled');
  });

  it('refuses to cancel a finished deployment', async () => {
    const api = new FakeKli8ntApi();
    const d = makeDeployment({ status: 'live' });
    api.deployments = [d];
    await expect(api.cancel(d.id)).rejects.toMatchObject({
      name: 'ConflictError',
    });
  });

  it('never moves a deployment backwards', () => {
    const api = new FakeKli8ntApi();
    const d = makeDeployment({ status: 'deploying', finishedAt: undefined });
    api.deployments = [d];
    expect(api.report(d.id, 'building')).toBe(false);
    expect(api.report(d.id, 'deploying')).toBe(false);
    expect(api.report(d.id, 'cancelled')).toBe(true);
    // A failure reported after the cancel does not replace it.
    expect(api.report(d.id, 'failed')).toBe(false);
    expect(d.status).toBe('cancelled');
  });
});
