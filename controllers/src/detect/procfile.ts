import type { Process } from '@kli8nt/backstage-plugin-kli8nt-common';
import { UnsafeValueError } from './errors';
import { TreeIndex } from './fileTree';

/**
 * The processes of a Procfile, in file order: `web` is the web process,
 * `release` the release process, every other name a worker (Heroku's
 * model). A command is a shell command line by nature (it usually says
 * `$PORT`), so it becomes the single argument of `sh -c`, where it cannot
 * change anything but itself. Undefined when there is no Procfile or it
 * names no process.
 */
export function procfileProcesses(tree: TreeIndex): Process[] | undefined {
  const text = tree.read('Procfile');
  if (text === undefined) {
    return undefined;
  }
  const processes: Process[] = [];
  for (const line of text.split(/\r?\n/)) {
    const match = line.match(/^([A-Za-z0-9_-]+)\s*:\s*(.*?)\s*$/);
    if (!match || !match[2]) continue;
    const name = match[1].toLowerCase();
    if (!/^[a-z]/.test(name) || processes.some(p => p.name === name)) {
      continue;
    }
    if (match[2].includes('\u0000')) {
      throw new UnsafeValueError(
        `The Procfile ${name}: command contains a NUL character`,
        { lookedFor: ['Procfile'] },
      );
    }
    let type: Process['type'] = 'worker';
    if (name === 'web' || name === 'release') type = name;
    processes.push({ name, type, command: ['sh', '-c', match[2]] });
  }
  return processes.length > 0 ? processes : undefined;
}
