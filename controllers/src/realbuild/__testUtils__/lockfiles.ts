import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'smol-toml';

const LEGACY_KEYS = ['dependencies', 'source', 'extras', 'dev-dependencies'];
const RELEVANT_KEYS = [...LEGACY_KEYS, 'group'];
const RELEVANT_PROJECT_KEYS = [
  'requires-python',
  'dependencies',
  'optional-dependencies',
];

/** Python's json.dumps(value, sort_keys=True) with its default separators. */
function pythonJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map(
        k =>
          `${pythonJson(k)}: ${pythonJson(
            (value as Record<string, unknown>)[k],
          )}`,
      );
    return `{${entries.join(', ')}}`;
  }
  if (typeof value === 'string') {
    return JSON.stringify(value).replace(
      /[\u007f-\uffff]/g,
      c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  }
  return JSON.stringify(value);
}

/**
 * The `content-hash` Poetry 2.x writes into poetry.lock for a pyproject.toml
 * (Locker._get_content_hash): sha256 of the sorted JSON of the [project]
 * and [tool.poetry] keys that affect resolution.
 */
export function poetryContentHash(pyprojectToml: string): string {
  const data = parse(pyprojectToml) as Record<string, any>;
  const project = data.project ?? {};
  const groups = data['dependency-groups'] ?? {};
  const toolPoetry = data.tool?.poetry ?? {};
  const relevantProject: Record<string, unknown> = {};
  for (const key of RELEVANT_PROJECT_KEYS) {
    if (project[key] !== undefined) relevantProject[key] = project[key];
  }
  const hasProject = Object.keys(relevantProject).length > 0;
  const relevantPoetry: Record<string, unknown> = {};
  for (const key of RELEVANT_KEYS) {
    const value = toolPoetry[key];
    if (value === undefined && (!LEGACY_KEYS.includes(key) || hasProject)) {
      continue;
    }
    relevantPoetry[key] = value ?? null;
  }
  let content: unknown = relevantPoetry;
  if (hasProject) {
    content = {
      project: relevantProject,
      tool: { poetry: relevantPoetry },
      ...(Object.keys(groups).length > 0
        ? { 'dependency-groups': groups }
        : {}),
    };
  }
  return createHash('sha256').update(pythonJson(content)).digest('hex');
}

/**
 * Gives a poetry.lock whose content-hash is a placeholder the hash of its
 * pyproject.toml, as `poetry lock` would for a project without dependencies
 * to resolve. Returns whether the file changed.
 */
export function completePoetryLock(dir: string): boolean {
  const lockPath = path.join(dir, 'poetry.lock');
  const lock = fs.readFileSync(lockPath, 'utf8');
  const hash = poetryContentHash(
    fs.readFileSync(path.join(dir, 'pyproject.toml'), 'utf8'),
  );
  const next = lock.replace(
    /^content-hash = "[0-9a-f]*"$/m,
    `content-hash = "${hash}"`,
  );
  if (next === lock) return false;
  fs.writeFileSync(lockPath, next);
  return true;
}
