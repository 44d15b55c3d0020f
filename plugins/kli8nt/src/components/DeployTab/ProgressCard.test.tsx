import { screen } from '@testing-library/react';
import {
  FakeKli8ntApi,
  makeDeployment,
} from '../../__testUtils__/FakeKli8ntApi';
import { renderTab } from '../../__testUtils__/render';
import { ProgressCard, UNCLAIMED_AFTER_MS } from './ProgressCard';

jest.setTimeout(60_000);

function queuedSince(ms: number) {
  const api = new FakeKli8ntApi();
  const deployment = makeDeployment({
    status: 'queued',
    cluster: 'local',
    createdAt: new Date(Date.now() - ms).toISOString(),
  });
  api.deployments.push(deployment);
  return { api, deployment };
}

describe('ProgressCard', () => {
  it('says what to check when no cluster takes a queued deployment', async () => {
    const { api, deployment } = queuedSince(UNCLAIMED_AFTER_MS + 30_000);
    await renderTab(<ProgressCard deployment={deployment} />, { api });
    expect(
      await screen.findByText(/No build controller has taken this deployment/),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/Nothing consumes the build queue of cluster 'local'/),
    ).toBeInTheDocument();
  });

  it('stays quiet while a cluster has had little time to take it', async () => {
    const { api, deployment } = queuedSince(5_000);
    await renderTab(<ProgressCard deployment={deployment} />, { api });
    expect(await screen.findByText('Queued')).toBeInTheDocument();
    expect(
      screen.queryByText(/No build controller has taken this deployment/),
    ).not.toBeInTheDocument();
  });
});
