import { BaseImage } from './baseImages';
import { UnsafeValueError } from './errors';

/**
 * Docker expands `$VAR` in FROM, WORKDIR, ENV, COPY, USER and EXPOSE, even in
 * their JSON forms, so those only ever carry constants written in this
 * package; the pattern is a tripwire against a repository value getting
 * there by mistake.
 */
const CONSTANT = /^[A-Za-z0-9._/:@*+=,-]+$/;

function constant(value: string): string {
  if (!CONSTANT.test(value)) {
    throw new Error(
      `internal error: non-constant Dockerfile value ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/**
 * One JSON string literal that survives the Dockerfile parser's line-level
 * processing: JSON escapes quotes, backslashes and control characters
 * (newlines included, so a value cannot start a new instruction); `<` is
 * escaped so no `<<` heredoc marker appears; everything outside printable
 * ASCII is escaped so no parser sees an exotic line separator. NUL cannot
 * be passed in an argument vector at all and is rejected.
 */
export function dockerJsonString(value: string): string {
  if (value.includes('\u0000')) {
    throw new UnsafeValueError(
      `A value from the repository contains a NUL character: ${JSON.stringify(
        value,
      )}`,
    );
  }
  return JSON.stringify(value).replace(
    /[<\u007f-\uffff]/g,
    c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** An exec-form argument vector: `["a", "b"]`. */
export function dockerJsonArray(values: string[]): string {
  return `[${values.map(dockerJsonString).join(', ')}]`;
}

/**
 * Builds a Dockerfile where every value from the repository is an element
 * of an exec-form (JSON) RUN or CMD, and everything else is a constant.
 * CMD is always the last instruction, so it can be replaced (Procfile).
 */
export class DockerfileBuilder {
  private readonly lines: string[] = [];
  private readonly stageNames = new Set<string>();
  private cmdArgv?: string[];
  readonly images: string[] = [];

  constructor(header: string) {
    this.comment(header);
  }

  comment(text: string): this {
    if (/[\r\n\u2028\u2029]/.test(text)) {
      throw new Error('internal error: multi-line Dockerfile comment');
    }
    this.lines.push(`# ${text}`);
    return this;
  }

  /** FROM a base image from the table, or from an earlier stage of this file. */
  from(image: BaseImage, as?: string): this;
  from(image: { stage: string }, as?: string): this;
  from(image: BaseImage | { stage: string }, as?: string): this {
    if (this.lines.length > 1) {
      this.lines.push('');
    }
    let ref: string;
    if (typeof image === 'string') {
      ref = constant(image);
      this.images.push(image);
    } else {
      if (!this.stageNames.has(image.stage)) {
        throw new Error(`internal error: unknown stage ${image.stage}`);
      }
      ref = image.stage;
    }
    if (as) {
      this.stageNames.add(constant(as));
      this.lines.push(`FROM ${ref} AS ${as}`);
    } else {
      this.lines.push(`FROM ${ref}`);
    }
    return this;
  }

  workdir(path: string): this {
    this.lines.push(`WORKDIR ${constant(path)}`);
    return this;
  }

  /** Build arguments the following RUN steps see as environment variables. */
  arg(...names: string[]): this {
    for (const name of names) this.lines.push(`ARG ${constant(name)}`);
    return this;
  }

  env(vars: Record<string, string>): this {
    const pairs = Object.entries(vars).map(
      ([k, v]) => `${constant(k)}=${constant(v)}`,
    );
    this.lines.push(`ENV ${pairs.join(' ')}`);
    return this;
  }

  copy(
    sources: string[],
    dest: string,
    options: { from?: string; chown?: string } = {},
  ): this {
    const flags: string[] = [];
    if (options.from) {
      if (!this.stageNames.has(options.from)) {
        throw new Error(`internal error: unknown stage ${options.from}`);
      }
      flags.push(`--from=${options.from}`);
    }
    if (options.chown) {
      flags.push(`--chown=${constant(options.chown)}`);
    }
    const paths = [...sources, dest].map(constant);
    this.lines.push(['COPY', ...flags, dockerJsonArray(paths)].join(' '));
    return this;
  }

  /** RUN in exec form: no shell sees the arguments. */
  run(argv: string[]): this {
    this.lines.push(`RUN ${dockerJsonArray(argv)}`);
    return this;
  }

  /**
   * RUN a constant shell script. Repository values are passed as positional
   * parameters (`"$1"`), never spliced into the script.
   */
  shell(script: string, ...args: string[]): this {
    return this.run(shellCommand(script, ...args));
  }

  user(user: string): this {
    this.lines.push(`USER ${constant(user)}`);
    return this;
  }

  expose(port: number): this {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new Error(`internal error: bad port ${port}`);
    }
    this.lines.push(`EXPOSE ${port}`);
    return this;
  }

  cmd(argv: string[]): this {
    dockerJsonArray(argv);
    this.cmdArgv = argv;
    return this;
  }

  get command(): string[] | undefined {
    return this.cmdArgv;
  }

  render(): string {
    const lines = [...this.lines];
    if (this.cmdArgv) {
      lines.push(`CMD ${dockerJsonArray(this.cmdArgv)}`);
    }
    return `${lines.join('\n')}\n`;
  }
}

/**
 * `sh -c <constant script>` with repository values as `$1`, `$2`…; `$0` is
 * `sh` so error messages read naturally.
 */
export function shellCommand(script: string, ...args: string[]): string[] {
  return ['sh', '-c', script, 'sh', ...args];
}
