import {
  act,
  configure,
  screen,
  waitFor,
  within,
} from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { LogsTab } from './LogsTab';
import { FakeKli8ntApi } from '../../__testUtils__/FakeKli8ntApi';
import { FakeLogServer } from '../../__testUtils__/FakeLogServer';
import { renderTab } from '../../__testUtils__/render';

// Rendering a whole app per test is slow on small shared CI machines.
jest.setTimeout(60_000);
// Each wait re-renders a 1,000-line viewer: more than 1 s on a busy machine.
configure({ asyncUtilTimeout: 10_000 });

// jsdom has no layout, so give the LogViewer's auto-sizer a real size.
jest.mock('react-virtualized-auto-sizer', () => ({
  __esModule: true,
  default: (props: {
    children: (size: { width: number; height: number }) => unknown;
  }) => props.children({ width: 800, height: 600 }),
}));

const LOGS_PATH = '/catalog/default/component/hello/logs';
/** The list's height: the auto-sizer's 600 px less the LogViewer's header. */
const LIST_HEIGHT = 560;

/**
 * What jsdom lacks and a browser does for the LogViewer's list: a height,
 * a scroll height (its inner element's), a scrollTop clamped to them, and
 * a scroll event after each change of it (a frame later, as browsers do).
 */
function emulateScrolling(list: HTMLElement) {
  const inner = list.firstElementChild as HTMLElement;
  const scrollHeight = () =>
    Math.max(LIST_HEIGHT, parseFloat(inner.style.height) || 0);
  // Where the list's own scroll to the end has put it.
  let top = scrollHeight() - LIST_HEIGHT;
  Object.defineProperties(list, {
    clientHeight: { get: () => LIST_HEIGHT },
    scrollHeight: { get: scrollHeight },
    scrollTop: {
      get: () => top,
      set: (value: number) => {
        const next = Math.max(0, Math.min(value, scrollHeight() - LIST_HEIGHT));
        if (next === top) return;
        top = next;
        setTimeout(() => list.dispatchEvent(new Event('scroll')), 16);
      },
    },
  });
}

describe('LogsTab following the tail', () => {
  let server: FakeLogServer;
  let api: FakeKli8ntApi;

  beforeEach(async () => {
    server = new FakeLogServer();
    api = new FakeKli8ntApi();
    api.logStreamUrl = await server.start();
  });
  afterEach(() => server.stop());

  const viewer = () => screen.getByTestId('kli8nt-log-viewer');
  /** The line numbers the list renders. */
  const rows = () =>
    within(viewer())
      .queryAllByRole('row')
      .map(r => Number(r.textContent));
  const list = () =>
    viewer().querySelector<HTMLElement>('div[style*="overflow: auto"]')!;
  /** Scrolls the list as a user does: a wheel turn, then the move. */
  const userScrollTo = (top: number) => {
    list().dispatchEvent(new Event('wheel', { bubbles: true }));
    list().scrollTop = top;
  };

  async function replayed(lines: number) {
    for (let i = 0; i < lines; i++) server.push();
    renderTab(<LogsTab />, { api, path: LOGS_PATH });
    await screen.findByText(`${lines.toLocaleString('en-US')} lines`);
    await waitFor(() => expect(rows()).toContain(lines));
    emulateScrolling(list());
    // The scroll event a browser sent after the list's first scroll to the
    // end (jsdom sent none), so the viewer knows where the list stands.
    list().dispatchEvent(new Event('scroll'));
    // One more line, now with scroll positions as a browser keeps them.
    act(() => {
      server.push();
    });
    await waitFor(() => expect(rows()).toContain(lines + 1));
  }

  it('shows the newest lines after a long replay and while lines arrive', async () => {
    await replayed(1000);
    expect(screen.getByTestId('kli8nt-log-status')).toHaveTextContent('Live');
    act(() => {
      for (let i = 0; i < 50; i++) server.push();
    });
    // 50 renders of a 1,000-line viewer: slow in jsdom on a busy machine.
    await waitFor(() => expect(rows()).toContain(1051), { timeout: 20_000 });
    await waitFor(() => expect(list().scrollTop).toBe(1051 * 20 - LIST_HEIGHT));
    expect(screen.queryByText(/new lines/)).not.toBeInTheDocument();
  });

  it('keeps the place of a user who scrolled up, and follows again at the end', async () => {
    await replayed(1000);
    act(() => userScrollTo(200 * 20)); // line 201 at the top
    await screen.findByText('Scrolled up · 0 new lines');
    await waitFor(() => expect(rows()).toContain(201));

    act(() => {
      for (let i = 0; i < 30; i++) server.push();
    });
    await screen.findByText('Scrolled up · 30 new lines');
    // Give the viewer the time to jump, if it were to.
    await new Promise(resolve => setTimeout(resolve, 300));
    expect(rows()).toContain(201);
    expect(rows()).not.toContain(1031);

    act(() => userScrollTo(list().scrollHeight));
    await waitFor(() => expect(rows()).toContain(1031));
    expect(screen.queryByText(/new lines/)).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Pause' })).toBeInTheDocument();
  });

  it('stays paused by the button when the user scrolls to the end', async () => {
    await replayed(100);
    await userEvent.click(screen.getByRole('button', { name: 'Pause' }));
    act(() => {
      server.push();
      userScrollTo(0);
    });
    await waitFor(() => expect(rows()).toContain(1));
    act(() => userScrollTo(list().scrollHeight));
    await new Promise(resolve => setTimeout(resolve, 300));
    expect(screen.getByText('Paused · 1 new lines')).toBeInTheDocument();
    expect(rows()).not.toContain(102);
  });
});
