import { ConsumedLogBusRecord } from './client';

/** What a record weighs against the ring's budget: its UTF-8 key, value and headers. */
export function recordBytes(record: ConsumedLogBusRecord): number {
  let bytes = Buffer.byteLength(record.key) + Buffer.byteLength(record.value);
  for (const [name, value] of Object.entries(record.headers)) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  }
  return bytes;
}

/**
 * The newest records of one app's topic, within a count and a byte budget,
 * both enforced on every append: a record written to Kafka by anyone can be
 * as large as the broker allows, so a count alone does not bound memory.
 * What it holds is always the newest records read, without gaps, so a replay
 * reads from Kafka only what came before them.
 */
export class LogRing {
  // Dropped slots are cleared at once (their records can be collected) and
  // removed in one splice once they are as many as those held: one splice
  // per append would shift the whole ring each time.
  #slots: (ConsumedLogBusRecord | undefined)[] = [];
  #sizes: number[] = [];
  #head = 0;
  #bytes = 0;

  constructor(readonly maxRecords: number, readonly maxBytes: number) {}

  /** Records held. */
  get length(): number {
    return this.#slots.length - this.#head;
  }

  /** Bytes held, as {@link recordBytes} counts them. */
  get bytes(): number {
    return this.#bytes;
  }

  push(record: ConsumedLogBusRecord): void {
    const size = recordBytes(record);
    this.#slots.push(record);
    this.#sizes.push(size);
    this.#bytes += size;
    while (this.length > this.maxRecords || this.#bytes > this.maxBytes) {
      this.#bytes -= this.#sizes[this.#head];
      this.#slots[this.#head] = undefined;
      this.#head++;
    }
    if (this.#head > 0 && this.#head >= this.length) {
      this.#slots.splice(0, this.#head);
      this.#sizes.splice(0, this.#head);
      this.#head = 0;
    }
  }

  /** A copy of what it holds, oldest first. */
  records(): ConsumedLogBusRecord[] {
    return this.#slots.slice(this.#head) as ConsumedLogBusRecord[];
  }
}
