import { LogRecord } from '@kli8nt/backstage-plugin-kli8nt-node';

/** What the WebSocket carries, one JSON object per text frame. */
export type LogFrame =
  | {
      type: 'line';
      /** Kafka offset of the line within its partition. */
      offset: string;
      partition: number;
      /** Pass as `cursor` (or `offset`) when reconnecting to resume after this line. */
      cursor: string;
      timestamp: string;
      source: 'build' | 'runtime';
      pod: string;
      container: string;
      deploymentId?: string;
      line: string;
    }
  | {
      type: 'dropped';
      /**
       * Lines not sent: the client did not keep up, or (`replay_limit`) the
       * replay reached `kli8nt.logs.maxReplayLines` and skipped to the
       * live lines.
       */
      count: number;
      /** Resume here to fetch the dropped lines (a page at a time for `replay_limit`). */
      cursor: string;
      reason?: 'replay_limit';
    };

export function lineFrame(record: LogRecord): LogFrame {
  return {
    type: 'line',
    offset: record.offset,
    partition: record.partition,
    cursor: record.cursor,
    timestamp: record.timestamp,
    source: record.source,
    pod: record.pod,
    container: record.container,
    ...(record.deploymentId ? { deploymentId: record.deploymentId } : {}),
    line: record.line,
  };
}

/**
 * One complete WebSocket text frame (RFC 6455 §5.2) as a server sends it:
 * FIN, opcode 1, unmasked. Server frames are the same bytes for every
 * client, so a line is encoded once and the buffer written to each socket.
 */
export function textFrame(json: string): Buffer {
  const length = Buffer.byteLength(json);
  let header = 10;
  if (length < 126) header = 2;
  else if (length < 65536) header = 4;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81;
  if (header === 2) {
    frame[1] = length;
  } else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  frame.write(json, header);
  return frame;
}

/** The encoded frame of a record. */
export function encodeLine(record: LogRecord): Buffer {
  return textFrame(JSON.stringify(lineFrame(record)));
}
