import { UnsafeValueError } from './errors';
import { TreeIndex } from './fileTree';

/**
 * The `web:` command of a Procfile, or undefined. The command is a shell
 * command line by nature (it usually says `$PORT`), so it becomes the single
 * argument of `sh -c`, where it cannot change anything but itself.
 */
export function procfileWeb(tree: TreeIndex): string | undefined {
  const text = tree.read('Procfile');
  if (text === undefined) {
    return undefined;
  }
  for (const line of text.split(/\r?\n/)) {
    const match = line.match(/^web\s*:\s*(.*?)\s*$/);
    if (match && match[1]) {
      if (match[1].includes('\u0000')) {
        throw new UnsafeValueError(
          'The Procfile web: command contains a NUL character',
          {
            lookedFor: ['Procfile'],
          },
        );
      }
      return match[1];
    }
  }
  return undefined;
}
