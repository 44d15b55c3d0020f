/** Structured logs: a fixed message plus key/value fields, one JSON line each. */
export type LogFields = Record<string, unknown>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

// Field names whose values never reach a log line, whoever passes them.
const SECRET_FIELD = /token|secret|password|authorization/i;

function serialise(value: unknown): unknown {
  if (value instanceof Error) {
    return { name: value.name, message: value.message };
  }
  return value;
}

export function createLogger(
  base: LogFields = {},
  write: (line: string) => void = line => process.stdout.write(`${line}\n`),
): Logger {
  const log = (level: string, message: string, fields: LogFields = {}) => {
    const entry: LogFields = {
      time: new Date().toISOString(),
      level,
      msg: message,
    };
    for (const [key, value] of Object.entries({ ...base, ...fields })) {
      entry[key] = SECRET_FIELD.test(key) ? '[redacted]' : serialise(value);
    }
    write(JSON.stringify(entry));
  };
  return {
    info: (message, fields) => log('info', message, fields),
    warn: (message, fields) => log('warn', message, fields),
    error: (message, fields) => log('error', message, fields),
    child: fields => createLogger({ ...base, ...fields }, write),
  };
}
