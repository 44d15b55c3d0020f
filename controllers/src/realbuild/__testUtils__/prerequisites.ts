import { spawnSync } from 'node:child_process';
import { IMAGES_BOOTSTRAP, commandExists } from './buildah';

const MINUTE = 60_000;

function missingPrerequisites(): string[] {
  const isRoot = process.getuid?.() === 0;
  if (
    !commandExists('buildah') &&
    isRoot &&
    process.env.CI === 'true' &&
    process.env.KLI8NT_TEST_REGISTRY
  ) {
    // As root in CI a missing buildah is installed (apt-get) first.
    spawnSync(IMAGES_BOOTSTRAP, [], { stdio: 'inherit', timeout: 10 * MINUTE });
  }
  const missing: string[] = [];
  for (const cmd of ['buildah', 'mmdebstrap', 'curl', 'jq', 'npm']) {
    if (!commandExists(cmd)) missing.push(cmd);
  }
  if (!process.env.KLI8NT_TEST_REGISTRY) missing.push('KLI8NT_TEST_REGISTRY');
  if (!isRoot) missing.push('root (buildah chroot builds)');
  return missing;
}

/**
 * The team's testenv rule (see src/__testUtils__/testenvGate.ts) for the
 * real-build suite: without root, buildah and the test registry it is
 * skipped, unless KLI8NT_TESTENV=required, when it runs and
 * `requireRealBuild()` (first in its `beforeAll`) fails it, naming what is
 * missing. KLI8NT_REALBUILD=skip skips it when not required.
 */
export function realBuildGate(): {
  describeRealBuild: jest.Describe;
  requireRealBuild: () => void;
} {
  const required = process.env.KLI8NT_TESTENV === 'required';
  const optedOut = !required && process.env.KLI8NT_REALBUILD === 'skip';
  const missing = optedOut ? [] : missingPrerequisites();
  return {
    describeRealBuild:
      !optedOut && (missing.length === 0 || required)
        ? describe
        : // eslint-disable-next-line jest/no-disabled-tests
          describe.skip,
    requireRealBuild() {
      if (missing.length > 0) {
        throw new Error(
          `${missing.join(', ')} missing but KLI8NT_TESTENV=required; run ` +
            'scripts/images/bootstrap as root and eval "$(scripts/testenv/testenv env)"',
        );
      }
    },
  };
}
