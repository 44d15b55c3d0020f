import fs from 'node:fs';
import path from 'node:path';
import { FileTree } from './fileTree';

/** @public */
export interface ReadDirectoryTreeOptions {
  /** Stop listing after this many files (default 10 000). */
  maxFiles?: number;
  /** Do not descend deeper than this many directories (default 8). */
  maxDepth?: number;
  /** Files larger than this read as undefined (default 1 MiB). */
  maxFileBytes?: number;
}

/** Directories that never tell anything about the stack and can be huge. */
const SKIPPED_DIRS = new Set([
  '.git',
  '.hg',
  '.svn',
  'node_modules',
  '.venv',
  'venv',
  '__pycache__',
  '.next',
  '.nuxt',
  '.output',
  '.gradle',
  '.idea',
  '.vs',
]);

/**
 * A FileTree over a directory on disk, bounded so a hostile repository
 * cannot make detection slow or large: skips dependency and VCS
 * directories, stops at `maxFiles`, and reads files lazily up to
 * `maxFileBytes`. Symbolic links are ignored, so nothing outside the
 * directory is listed or read.
 *
 * @public
 */
export function readDirectoryTree(
  dir: string,
  options: ReadDirectoryTreeOptions = {},
): FileTree & { truncated: boolean } {
  const maxFiles = options.maxFiles ?? 10_000;
  const maxDepth = options.maxDepth ?? 8;
  const maxFileBytes = options.maxFileBytes ?? 1024 * 1024;
  const root = path.resolve(dir);
  const files: string[] = [];
  let truncated = false;

  const walk = (relDir: string, depth: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(root, relDir), {
        withFileTypes: true,
      });
    } catch (e) {
      if (relDir === '') throw e;
      return;
    }
    entries.sort((a, b) => a.name.localeCompare(b.name, 'en'));
    for (const entry of entries) {
      if (files.length >= maxFiles) {
        truncated = true;
        return;
      }
      const rel = relDir === '' ? entry.name : `${relDir}/${entry.name}`;
      if (entry.isFile()) {
        files.push(rel);
      } else if (entry.isDirectory() && !SKIPPED_DIRS.has(entry.name)) {
        if (depth < maxDepth) {
          walk(rel, depth + 1);
        } else {
          truncated = true;
        }
      }
    }
  };
  walk('', 0);
  const known = new Set(files);

  return {
    truncated,
    list: () => [...files],
    read: (rel: string) => {
      if (!known.has(rel)) {
        return undefined;
      }
      let fd: number | undefined;
      try {
        fd = fs.openSync(
          path.join(root, rel),
          fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW,
        );
        const stat = fs.fstatSync(fd);
        if (!stat.isFile() || stat.size > maxFileBytes) {
          return undefined;
        }
        const buffer = Buffer.alloc(stat.size);
        const read = fs.readSync(fd, buffer, 0, stat.size, 0);
        return buffer.subarray(0, read).toString('utf8');
      } catch {
        // The FileTree contract: a file that vanished, became a link or
        // cannot be opened reads as absent, like one that is too large.
        return undefined;
      } finally {
        if (fd !== undefined) fs.closeSync(fd);
      }
    },
  };
}
