import fs from 'node:fs';
import path from 'node:path';
import { detectFixture, FIXTURES_DIR } from './__testUtils__/fixtures';

/**
 * Golden Dockerfiles: every generated Dockerfile of a fixture is compared
 * with `__golden__/<fixture>.Dockerfile`, so a change to what users get
 * shows in review. After an intended change, regenerate them with
 * `KLI8NT_UPDATE_GOLDEN=1 CI=true yarn backstage-cli repo test controllers/src/detect/golden.test.ts`
 * and read the diff.
 */
const GOLDEN_DIR = path.join(__dirname, '__golden__');
const update = process.env.KLI8NT_UPDATE_GOLDEN === '1';

const fixtures = fs
  .readdirSync(FIXTURES_DIR, { withFileTypes: true })
  .filter(e => e.isDirectory())
  .map(e => e.name)
  .filter(
    name => !['empty', 'dockerfile', 'dockerfile-custom-path'].includes(name),
  );

describe('golden Dockerfiles', () => {
  it.each(fixtures)('%s', name => {
    const plan = detectFixture(name);
    const file = path.join(GOLDEN_DIR, `${name}.Dockerfile`);
    if (update) fs.writeFileSync(file, plan.dockerfile);
    expect(fs.existsSync(file)).toBe(true);
    expect(plan.dockerfile).toBe(fs.readFileSync(file, 'utf8'));
  });

  it('has no golden file without a fixture', () => {
    const stale = fs
      .readdirSync(GOLDEN_DIR)
      .filter(f => !fixtures.includes(f.replace(/\.Dockerfile$/, '')));
    expect(stale).toEqual([]);
  });
});
