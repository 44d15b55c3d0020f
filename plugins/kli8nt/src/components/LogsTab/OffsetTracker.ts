import type { LogLine } from '@kli8nt/backstage-plugin-kli8nt-common';

/** A line frame may carry the server's resume cursor (`p:o,…`). */
type LineFrame = LogLine & { cursor?: string };

/** Where to resume a stream: the server's cursor, or else an offset. */
export type ResumePoint = { cursor: string } | { offset: string };

/**
 * Tracks the newest offset seen per partition and the server's cursor of
 * the newest line, so that a resumed stream can ask for what comes next and
 * lines replayed twice are recognised.
 */
export class OffsetTracker {
  readonly #last = new Map<number, bigint>();
  #cursor: string | undefined;

  /** Records the line; false if it was already seen. */
  accept(line: Pick<LineFrame, 'offset' | 'partition' | 'cursor'>): boolean {
    const partition = line.partition ?? 0;
    const offset = BigInt(line.offset);
    const last = this.#last.get(partition);
    if (last !== undefined && offset <= last) {
      return false;
    }
    this.#last.set(partition, offset);
    if (line.cursor) this.#cursor = line.cursor;
    return true;
  }

  /**
   * Where to resume after the newest line seen: its cursor if the server
   * sent one, else its offset (meaning "after this offset of partition 0").
   */
  resumePoint(): ResumePoint | undefined {
    if (this.#cursor) {
      return { cursor: this.#cursor };
    }
    if (this.#last.size !== 1 || !this.#last.has(0)) {
      // No single resume point; the tail replay and de-duplication cover it.
      return undefined;
    }
    return { offset: this.#last.get(0)!.toString() };
  }
}
