/**
 * A read-only view of a repository's files. Paths are relative, use `/` as
 * the separator and never start with `./` or `/`.
 *
 * @public
 */
export interface FileTree {
  /** Every regular file in the tree. */
  list(): string[];
  /** The file's text, or undefined when it is absent or not readable. */
  read(path: string): string | undefined;
}

/**
 * An in-memory tree, for tests and for callers that already hold the files.
 *
 * @public
 */
export function memoryTree(files: Record<string, string>): FileTree {
  const entries = new Map(Object.entries(files));
  return {
    list: () => [...entries.keys()].sort(),
    read: path => entries.get(path),
  };
}

/**
 * An index over a FileTree with the queries the detectors need. Reads are
 * cached so a detector can look at a file more than once for free.
 */
export class TreeIndex {
  readonly files: ReadonlySet<string>;
  private readonly cache = new Map<string, string | undefined>();

  constructor(private readonly tree: FileTree) {
    this.files = new Set(tree.list());
  }

  has(path: string): boolean {
    return this.files.has(path);
  }

  /** The first of the paths that exists. */
  first(...paths: string[]): string | undefined {
    return paths.find(p => this.files.has(p));
  }

  read(path: string): string | undefined {
    if (!this.files.has(path)) {
      return undefined;
    }
    if (!this.cache.has(path)) {
      this.cache.set(path, this.tree.read(path));
    }
    return this.cache.get(path);
  }

  /** True when any file lives under the directory. */
  hasDir(dir: string): boolean {
    const prefix = `${dir}/`;
    for (const file of this.files) {
      if (file.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  /** Files matching the predicate, sorted, at most `depth` directories deep (0 = root only). */
  find(predicate: (path: string) => boolean, depth = Infinity): string[] {
    return [...this.files]
      .filter(p => p.split('/').length - 1 <= depth && predicate(p))
      .sort();
  }

  /** Names of the immediate subdirectories of `dir` ('' for the root). */
  subdirs(dir: string): string[] {
    const prefix = dir === '' ? '' : `${dir}/`;
    const names = new Set<string>();
    for (const file of this.files) {
      if (file.startsWith(prefix)) {
        const rest = file.slice(prefix.length).split('/');
        if (rest.length > 1) {
          names.add(rest[0]);
        }
      }
    }
    return [...names].sort();
  }
}
