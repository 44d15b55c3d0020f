import path from 'node:path';
import {
  BuildPlan,
  buildPlanSchema,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { detect, DetectOptions } from '../detect';
import { readDirectoryTree } from '../readDirectoryTree';

export const FIXTURES_DIR = path.resolve(__dirname, '../../../fixtures');

export function fixturePath(name: string): string {
  return path.join(FIXTURES_DIR, name);
}

/** Detects a fixture repository from disk and checks the plan against the shared schema. */
export function detectFixture(
  name: string,
  options?: DetectOptions,
): BuildPlan {
  const plan = detect(readDirectoryTree(fixturePath(name)), options);
  return buildPlanSchema.parse(plan);
}

/** Instructions of the final stage with the given keyword. */
export function stageLines(dockerfile: string, keyword: string): string[] {
  return dockerfile.split('\n').filter(l => l.startsWith(`${keyword} `));
}

/** The error `fn` throws; fails the test when it throws nothing. */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error to be thrown');
}
