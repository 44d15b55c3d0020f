import { ConsumedLogBusRecord, LogBusRecord } from './client';
import { LogLine, LogRecord } from './types';

/** Maps a log line to a bus record: key pod/container, metadata in headers. */
export function toBusRecord(line: LogLine): LogBusRecord {
  const ms = Date.parse(line.timestamp);
  return {
    key: `${line.pod}/${line.container}`,
    value: line.line,
    headers: {
      deploymentId: line.deploymentId,
      source: line.source,
      pod: line.pod,
      container: line.container,
      timestamp: line.timestamp,
    },
    timestamp: Number.isNaN(ms) ? Date.now() : ms,
  };
}

/** Encodes next offsets per partition as `p:o,p:o`. */
export function encodeCursor(next: Map<number, string>): string {
  return [...next.entries()]
    .sort(([a], [b]) => a - b)
    .map(([p, o]) => `${p}:${o}`)
    .join(',');
}

/** Decodes a cursor from {@link encodeCursor}; throws on anything else. */
export function decodeCursor(cursor: string): Map<number, string> {
  const next = new Map<number, string>();
  if (cursor === '') return next;
  for (const part of cursor.split(',')) {
    const match = /^(\d{1,6}):(\d{1,19})$/.exec(part);
    if (!match) throw new Error(`Invalid log cursor '${cursor}'`);
    next.set(Number(match[1]), match[2]);
  }
  return next;
}

/** Maps a consumed bus record back to a log record. */
export function toLogRecord(
  app: string,
  record: ConsumedLogBusRecord,
  cursor: string,
): LogRecord {
  const [pod = '', container = ''] = record.key.split('/', 2);
  const source = record.headers.source === 'build' ? 'build' : 'runtime';
  return {
    app,
    deploymentId: record.headers.deploymentId ?? '',
    source,
    pod: record.headers.pod ?? pod,
    container: record.headers.container ?? container,
    timestamp:
      record.headers.timestamp ?? new Date(record.timestamp).toISOString(),
    line: record.value,
    partition: record.partition,
    offset: record.offset,
    cursor,
  };
}

/** a < b for decimal offset strings. */
export function offsetLess(a: string, b: string): boolean {
  return BigInt(a) < BigInt(b);
}

export function nextOffset(offset: string): string {
  return (BigInt(offset) + 1n).toString();
}
