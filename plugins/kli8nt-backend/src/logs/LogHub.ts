import {
  LogRecord,
  LogReplayFrom,
  LogSource,
  LogSubscriberOverflowError,
  LogSubscription,
} from '@kli8nt/backstage-plugin-kli8nt-node';
import { LogClient } from './LogClient';
import { encodeLine } from './frames';

/** Which lines a viewer wants (from its query). */
export interface LogViewerFilter {
  deploymentId?: string;
  source?: 'build' | 'runtime';
}

/** Bytes of frames written to the sockets in one go. */
const SLICE_BYTES = 64 * 1024;

/** Next offset per partition. */
type Position = Map<number, bigint>;

function positionOf(cursor: string): Position {
  const position: Position = new Map();
  for (const part of cursor ? cursor.split(',') : []) {
    const [partition, offset] = part.split(':');
    position.set(Number(partition), BigInt(offset));
  }
  return position;
}

function cursorOf(position: Position): string {
  return [...position].map(([p, o]) => `${p}:${o}`).join(',');
}

/** Records from `b` up to `a`, over the partitions of `a`. */
function distance(a: Position, b: Position): number {
  let n = 0n;
  for (const [partition, offset] of a) {
    const gap = offset - (b.get(partition) ?? 0n);
    if (gap > 0n) n += gap;
  }
  return Number(n);
}

/** True when `a` is at or past `b` on every partition of `b`. */
function covers(a: Position, b: Position): boolean {
  for (const [partition, offset] of b) {
    if ((a.get(partition) ?? 0n) < offset) return false;
  }
  return true;
}

function wanted(record: LogRecord, filter: LogViewerFilter): boolean {
  return (
    (!filter.deploymentId || record.deploymentId === filter.deploymentId) &&
    (!filter.source || record.source === filter.source)
  );
}

interface Viewer {
  readonly client: LogClient;
  readonly filter: LogViewerFilter;
  readonly onError: (error: Error) => void;
  /** Its own replay, until it has caught up with the app's live stream. */
  replay?: LogSubscription;
  /** After the last record it was handed. */
  position?: Position;
  /** Set on joining when the replay ran ahead: live records below it were sent. */
  sentUpTo?: Position;
}

/**
 * The live stream of one app: a single subscription (so a single Kafka
 * consumer, shared through the log source's tail) whose records are encoded
 * once into WebSocket frames and written to every following viewer. A new
 * viewer replays its own range first and joins once it has caught up.
 */
class AppHub {
  readonly following = new Set<Viewer>();
  readonly joining = new Set<Viewer>();
  subscription?: LogSubscription;
  position?: Position;
  closed = false;
  private pending: LogRecord[] = [];
  private flushScheduled = false;

  constructor(private readonly onEmpty: (hub: AppHub) => void) {}

  /** Live records arrive in small batches; one fan-out per event-loop turn. */
  ingest = (records: LogRecord[]) => {
    for (const record of records) this.pending.push(record);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flush);
    }
  };

  fail = (error: Error) => {
    for (const viewer of [...this.following, ...this.joining]) {
      viewer.onError(error);
    }
    this.close();
  };

  started(subscription: LogSubscription) {
    this.subscription = subscription;
    this.position ??= positionOf(subscription.cursor);
    if (this.closed) subscription.close().catch(() => undefined);
  }

  tryJoin(viewer: Viewer) {
    if (!this.joining.has(viewer) || !viewer.position || !this.position) return;
    if (!covers(viewer.position, this.position)) return;
    // Live lines are dropped on a full socket: join once the replay drained.
    if (viewer.client.congested) return;
    this.joining.delete(viewer);
    this.following.add(viewer);
    if (!covers(this.position, viewer.position)) {
      viewer.sentUpTo = viewer.position;
    }
    viewer.replay?.close().catch(() => undefined);
    viewer.replay = undefined;
  }

  /**
   * A replay cut off for falling too far behind the live lines (a socket
   * slower than the app logs): the viewer is told what it missed and where
   * to resume, and follows live from here like any slow live viewer.
   */
  skipToLive(viewer: Viewer): boolean {
    if (!this.joining.has(viewer) || !viewer.position || !this.position) {
      return false;
    }
    const live = new Map(this.position);
    viewer.client.fellBehind(
      distance(live, viewer.position),
      cursorOf(viewer.position),
      cursorOf(live),
    );
    viewer.position = live;
    viewer.replay = undefined;
    this.joining.delete(viewer);
    this.following.add(viewer);
    return true;
  }

  leave(viewer: Viewer) {
    this.following.delete(viewer);
    this.joining.delete(viewer);
    viewer.replay?.close().catch(() => undefined);
    if (this.following.size === 0 && this.joining.size === 0) this.close();
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    this.pending = [];
    this.subscription?.close().catch(() => undefined);
    this.onEmpty(this);
  }

  private flush = () => {
    this.flushScheduled = false;
    const records = this.pending;
    this.pending = [];
    if (this.closed) return;
    // Slices of about SLICE_BYTES, so a socket's buffer overshoots its cap
    // by at most one slice before it starts dropping.
    let start = 0;
    let frames: Buffer[] = [];
    let bytes = 0;
    records.forEach((record, i) => {
      const frame = encodeLine(record);
      frames.push(frame);
      bytes += frame.length;
      if (bytes >= SLICE_BYTES || i === records.length - 1) {
        this.fanOut(records.slice(start, i + 1), frames);
        start = i + 1;
        frames = [];
        bytes = 0;
      }
    });
    for (const viewer of [...this.joining]) this.tryJoin(viewer);
  };

  private fanOut(records: LogRecord[], frames: Buffer[]) {
    const last = records[records.length - 1].cursor;
    this.position = positionOf(last);
    // Viewers with the same filter get the very same buffer.
    const byFilter = new Map<string, { frames: Buffer; count: number }>();
    for (const viewer of this.following) {
      if (viewer.sentUpTo) {
        this.sendEach(viewer, records, frames);
        continue;
      }
      const key = `${viewer.filter.deploymentId ?? ''}|${
        viewer.filter.source ?? ''
      }`;
      let batch = byFilter.get(key);
      if (!batch) {
        const matching = frames.filter((_, i) =>
          wanted(records[i], viewer.filter),
        );
        batch = { frames: Buffer.concat(matching), count: matching.length };
        byFilter.set(key, batch);
      }
      viewer.client.write(batch.frames, batch.count, last);
    }
  }

  /** The first batches after a join: skip what the replay already sent. */
  private sendEach(viewer: Viewer, records: LogRecord[], frames: Buffer[]) {
    const sent = viewer.sentUpTo!;
    records.forEach((record, i) => {
      if (BigInt(record.offset) < (sent.get(record.partition) ?? 0n)) return;
      if (wanted(record, viewer.filter)) {
        viewer.client.write(frames[i], 1, record.cursor);
      } else {
        viewer.client.skip(record.cursor);
      }
    });
    if (covers(this.position!, sent)) viewer.sentUpTo = undefined;
  }
}

/** A viewer's handle: leave when its socket closes. */
export interface LogViewing {
  leave(): void;
}

/**
 * Fan-out of live log lines to WebSocket viewers: one {@link AppHub} per
 * app with viewers, created on the first and closed with the last.
 */
export class LogHub {
  private readonly hubs = new Map<
    string,
    { hub: AppHub; ready: Promise<void> }
  >();

  constructor(
    private readonly source: LogSource,
    /** Most records one replay reads (`kli8nt.logs.maxReplayLines`); absent: no cap. */
    private readonly maxReplayLines = Infinity,
  ) {}

  /** How many apps have a live stream open. */
  get liveApps(): number {
    return this.hubs.size;
  }

  async join(options: {
    app: string;
    from: LogReplayFrom;
    filter: LogViewerFilter;
    client: LogClient;
    onError: (error: Error) => void;
  }): Promise<LogViewing> {
    const { app, filter, client, onError } = options;
    const hub = await this.hubOf(app);
    const viewer: Viewer = { client, filter, onError };
    hub.joining.add(viewer);
    const viewing = { leave: () => hub.leave(viewer) };
    const from = this.bounded(options.from, hub, client);
    // A tail is bounded by the source; a cursor or time is counted here.
    const limit = 'tail' in from ? Infinity : this.maxReplayLines;
    let read = 0;
    /** Once cut to the live lines: the older records still read are skipped. */
    let cutAt: Position | undefined;
    const after = (r: LogRecord, at: Position) =>
      BigInt(r.offset) >= (at.get(r.partition) ?? 0n);
    // Paced to the socket, not dropped: the source hands over the next batch
    // once this settles, after the socket drained.
    const replayed = async (batch: LogRecord[]): Promise<void> => {
      if (!hub.joining.has(viewer) || batch.length === 0) return;
      const records = cutAt
        ? batch.filter(r => after(r, cutAt!))
        : batch.slice(0, Math.max(0, limit - read));
      if (!cutAt) read += records.length;
      let sent: Promise<void> | undefined;
      if (records.length > 0) {
        const last = records[records.length - 1].cursor;
        const frames = records.filter(r => wanted(r, filter)).map(encodeLine);
        viewer.position = positionOf(last);
        sent = client.sendReplay(Buffer.concat(frames), frames.length, last);
      }
      const rest = cutAt ? [] : batch.slice(records.length);
      if (rest.length > 0) {
        // A replay this long (an old `since`): skip to the live lines and
        // go on with them (the rest of this batch may hold some).
        const live = new Map(hub.position ?? viewer.position);
        const skipped = distance(live, viewer.position!);
        if (skipped > 0) {
          client.replayCut(skipped, cursorOf(viewer.position!), cursorOf(live));
          viewer.position = live;
        }
        cutAt = viewer.position;
      }
      await sent;
      if (rest.length > 0) await replayed(rest);
      else hub.tryJoin(viewer);
    };
    try {
      const replay = await this.source.subscribe(app, from, {
        onRecords: replayed,
        onError: error => {
          const behind = error instanceof LogSubscriberOverflowError;
          if (!behind || !hub.skipToLive(viewer)) onError(error);
        },
      });
      if (!hub.joining.has(viewer)) {
        await replay.close();
        return viewing;
      }
      viewer.replay = replay;
      viewer.position ??= positionOf(replay.cursor);
      hub.tryJoin(viewer);
    } catch (error) {
      viewing.leave();
      throw error;
    }
    return viewing;
  }

  /**
   * The start of a replay within the cap: a longer tail is cut to it, and
   * a cursor further back than it starts at the tail (the client is told
   * what it missed and where to fetch it).
   */
  private bounded(from: LogReplayFrom, hub: AppHub, client: LogClient) {
    const cap = this.maxReplayLines;
    if ('tail' in from) return { tail: Math.min(from.tail, cap) };
    if (!('cursor' in from) || !hub.position) return from;
    const behind = distance(hub.position, positionOf(from.cursor));
    if (behind <= cap) return from;
    client.replayCut(behind - cap, from.cursor);
    return { tail: cap };
  }

  /** Closes every app's live stream. */
  close(): void {
    for (const { hub } of [...this.hubs.values()]) hub.close();
  }

  private async hubOf(app: string): Promise<AppHub> {
    let entry = this.hubs.get(app);
    if (!entry) {
      const hub = new AppHub(() => {
        if (this.hubs.get(app)?.hub === hub) this.hubs.delete(app);
      });
      const ready = this.source
        .subscribe(
          app,
          { tail: 0 },
          { onRecords: hub.ingest, onError: hub.fail },
        )
        .then(subscription => hub.started(subscription));
      const created = { hub, ready };
      entry = created;
      this.hubs.set(app, created);
      ready.catch(() => {
        if (this.hubs.get(app) === created) this.hubs.delete(app);
      });
    }
    await entry.ready;
    return entry.hub.closed ? this.hubOf(app) : entry.hub;
  }
}
