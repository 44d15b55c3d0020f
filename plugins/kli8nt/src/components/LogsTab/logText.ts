import type {
  LogLine,
  LogSource,
} from '@kli8nt/backstage-plugin-kli8nt-common';

export interface LogFilter {
  source?: LogSource;
  pod?: string;
  container?: string;
}

export function matchesFilter(line: LogLine, filter: LogFilter): boolean {
  return (
    (!filter.source || line.source === filter.source) &&
    (!filter.pod || line.pod === filter.pod) &&
    (!filter.container || line.container === filter.container)
  );
}

const DIM = '\u001b[90m';
const RESET = '\u001b[0m';

/**
 * One line as shown: a dimmed `pod/container` prefix (when lines come from
 * more than one place) followed by the line, whose own ANSI colours are kept.
 */
export function formatLine(line: LogLine, withOrigin: boolean): string {
  const text = line.line.replace(/\r?\n$/, '');
  return withOrigin
    ? `${DIM}${line.pod}/${line.container}${RESET} ${text}`
    : text;
}

/** The distinct pods and containers seen, for the filter pickers. */
export function origins(
  lines: LogLine[],
  from = 0,
  into?: {
    pods: Set<string>;
    containers: Set<string>;
  },
) {
  const result = into ?? {
    pods: new Set<string>(),
    containers: new Set<string>(),
  };
  for (let i = from; i < lines.length; i++) {
    result.pods.add(lines[i].pod);
    result.containers.add(lines[i].container);
  }
  return result;
}

/**
 * Builds the text of a growing list of lines incrementally: appending lines
 * costs only the new lines; a different filter (or lines forgotten from the
 * front) rebuilds it.
 */
export class LogTextBuilder {
  #key = '';
  #first: LogLine | undefined;
  #processed = 0;
  #text = '';
  #count = 0;

  build(
    lines: LogLine[],
    filter: LogFilter,
    withOrigin: boolean,
  ): { text: string; count: number } {
    const key = JSON.stringify([filter, withOrigin]);
    if (
      key !== this.#key ||
      lines[0] !== this.#first ||
      lines.length < this.#processed
    ) {
      this.#key = key;
      this.#first = lines[0];
      this.#processed = 0;
      this.#text = '';
      this.#count = 0;
    }
    if (this.#processed < lines.length) {
      const added: string[] = [];
      for (let i = this.#processed; i < lines.length; i++) {
        if (matchesFilter(lines[i], filter)) {
          added.push(formatLine(lines[i], withOrigin));
        }
      }
      this.#processed = lines.length;
      if (added.length > 0) {
        const chunk = added.join('\n');
        this.#text = this.#count > 0 ? `${this.#text}\n${chunk}` : chunk;
        this.#count += added.length;
      }
    }
    return { text: this.#text, count: this.#count };
  }
}
