import fs from 'node:fs';
import path from 'node:path';
import { BuildPlan } from '@kli8nt/backstage-plugin-kli8nt-common';

/**
 * Writes a generated plan's Dockerfile and .dockerignore into `dir` and
 * returns the names written. A repository's own files are never touched:
 * nothing is written for its own Dockerfile, an existing .dockerignore is
 * kept, and files are created exclusively, so a symbolic link planted under
 * either name makes the write fail instead of escaping the directory.
 *
 * @public
 */
export function writePlan(dir: string, plan: BuildPlan): string[] {
  if (!plan.generated) {
    return [];
  }
  const written: string[] = [];
  fs.writeFileSync(path.join(dir, plan.dockerfilePath), plan.dockerfile, {
    flag: 'wx',
    mode: 0o644,
  });
  written.push(plan.dockerfilePath);
  if (plan.dockerignore !== undefined) {
    const ignorePath = path.join(dir, '.dockerignore');
    let exists = true;
    try {
      fs.lstatSync(ignorePath);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      exists = false;
    }
    if (!exists) {
      fs.writeFileSync(ignorePath, plan.dockerignore, {
        flag: 'wx',
        mode: 0o644,
      });
      written.push('.dockerignore');
    }
  }
  return written;
}
