import { poetryContentHash } from './__testUtils__/lockfiles';
import { createHash } from 'node:crypto';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('poetryContentHash', () => {
  it('hashes legacy [tool.poetry] keys at top level, missing ones as null', () => {
    const toml = [
      '[tool.poetry]',
      'name = "x"',
      'package-mode = false',
      '[tool.poetry.dependencies]',
      'python = "^3.12"',
    ].join('\n');
    expect(poetryContentHash(toml)).toBe(
      sha(
        '{"dependencies": {"python": "^3.12"}, "dev-dependencies": null, "extras": null, "source": null}',
      ),
    );
  });

  it('nests under project and tool.poetry when [project] has relevant keys', () => {
    const toml = [
      '[project]',
      'name = "x"',
      'requires-python = ">=3.12"',
      'dependencies = ["flask>=3"]',
    ].join('\n');
    expect(poetryContentHash(toml)).toBe(
      sha(
        '{"project": {"dependencies": ["flask>=3"], "requires-python": ">=3.12"}, "tool": {"poetry": {}}}',
      ),
    );
  });
});
