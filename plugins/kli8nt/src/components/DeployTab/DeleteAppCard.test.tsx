import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { FakeKli8ntApi } from '../../__testUtils__/FakeKli8ntApi';
import { renderTab } from '../../__testUtils__/render';
import { DeleteAppCard } from './DeleteAppCard';

const ref = 'component:default/hello';

// Rendering a whole app per test is slow on small shared CI machines.
jest.setTimeout(60_000);

describe('DeleteAppCard', () => {
  it('deletes the app only after confirmation', async () => {
    const api = new FakeKli8ntApi();
    const onDeleted = jest.fn();
    await renderTab(
      <DeleteAppCard entityRef={ref} canDelete onDeleted={onDeleted} />,
      { api },
    );
    await userEvent.click(screen.getByRole('button', { name: 'Delete app' }));
    await userEvent.click(screen.getByRole('button', { name: 'Keep it' }));
    expect(api.callsOf('deleteApp')).toEqual([]);

    await userEvent.click(screen.getByRole('button', { name: 'Delete app' }));
    await userEvent.click(screen.getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(onDeleted).toHaveBeenCalled());
    expect(api.callsOf('deleteApp')).toEqual([[ref]]);
    expect(screen.getByText('The app is being deleted.')).toBeInTheDocument();
  });

  it('shows why a refused delete failed, and stays usable', async () => {
    const api = new FakeKli8ntApi();
    api.failures.deleteApp = new Error('Not allowed to kli8nt.app.configure');
    const onDeleted = jest.fn();
    await renderTab(
      <DeleteAppCard entityRef={ref} canDelete onDeleted={onDeleted} />,
      { api },
    );
    await userEvent.click(screen.getByRole('button', { name: 'Delete app' }));
    await userEvent.click(screen.getByRole('button', { name: 'Delete' }));
    expect(
      await screen.findByText('Not allowed to kli8nt.app.configure'),
    ).toBeInTheDocument();
    expect(onDeleted).not.toHaveBeenCalled();
  });

  it('is disabled without the permission to configure the app', async () => {
    await renderTab(
      <DeleteAppCard entityRef={ref} canDelete={false} onDeleted={jest.fn()} />,
      { api: new FakeKli8ntApi() },
    );
    expect(screen.getByRole('button', { name: 'Delete app' })).toBeDisabled();
  });
});
