import { LogBusClient, LogBusReader } from './client';
import { offsetLess } from './records';
import { SubscriberState } from './SubscriberState';

/** Where a replay is read from, for whom. */
export interface ReplayRange {
  client: LogBusClient;
  topic: string;
  state: SubscriberState;
  /** The open readers, for the source to close. */
  readers: Set<LogBusReader>;
}

/**
 * Reads the part of a subscriber's replay that is older than the ring, up to
 * `targets` (next offset per partition), in windows of its byte budget: a
 * window's reader stops once the subscriber's queue holds the budget, and
 * the next starts where the subscriber is once it has taken half of it. So a
 * long replay to a slow subscriber is paced instead of queued whole.
 */
export async function readReplayRange(
  range: ReplayRange,
  targets: Map<number, string>,
): Promise<void> {
  const { state } = range;
  const unread = () =>
    new Map(
      [...targets].filter(([p, target]) =>
        offsetLess(state.next.get(p) ?? '0', target),
      ),
    );
  for (let left = unread(); left.size > 0; left = unread()) {
    await state.replayRoom();
    if (state.closed) return;
    await readWindow(range, left);
  }
}

function readWindow(
  { client, topic, state, readers }: ReplayRange,
  targets: Map<number, string>,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let reader: LogBusReader | undefined;
    let finished = false;
    const finish = (error?: Error) => {
      if (finished) return;
      finished = true;
      const r = reader;
      if (r) {
        readers.delete(r);
        r.close().catch(() => undefined);
      }
      if (error) reject(error);
      else resolve();
    };
    const done = () =>
      state.closed ||
      state.replayFull ||
      [...targets].every(
        ([p, target]) => !offsetLess(state.next.get(p) ?? '0', target),
      );
    const start = new Map(
      [...targets.keys()].map(p => [p, state.next.get(p)!]),
    );
    client
      .read(
        topic,
        start,
        records => {
          // A closing reader may still deliver: the next window reads on
          // from where the subscriber is, without a gap.
          if (finished) return;
          for (const record of records) {
            if (state.replayFull) break;
            const target = targets.get(record.partition);
            if (target !== undefined && offsetLess(record.offset, target)) {
              state.replay(record);
            }
          }
          if (done()) finish();
        },
        error => finish(error),
      )
      .then(r => {
        reader = r;
        if (finished) r.close().catch(() => undefined);
        else readers.add(r);
        if (done()) finish();
      }, finish);
  });
}
