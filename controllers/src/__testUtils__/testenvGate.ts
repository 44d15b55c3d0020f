/**
 * The team rule for integration suites: without the test world
 * (`eval "$(scripts/testenv/testenv env)"`) a suite is skipped, unless
 * KLI8NT_TESTENV=required, when it runs and `requireTestenv()` (first in its
 * `beforeAll`) fails it, naming what is missing.
 */
export function testenvGate(needed: string[]): {
  describeWithTestenv: jest.Describe;
  requireTestenv: () => void;
} {
  const missingEnv = () => needed.filter(name => !process.env[name]);
  return {
    describeWithTestenv:
      missingEnv().length === 0 || process.env.KLI8NT_TESTENV === 'required'
        ? describe
        : // eslint-disable-next-line jest/no-disabled-tests
          describe.skip,
    requireTestenv() {
      const missing = missingEnv();
      if (missing.length > 0) {
        throw new Error(
          `${missing.join(', ')} not set but KLI8NT_TESTENV=required; ` +
            'run eval "$(scripts/testenv/testenv env)"',
        );
      }
    },
  };
}
