/* eslint-disable jest/no-export, jest/valid-title, jest/valid-describe-callback, jest/no-disabled-tests, jest/expect-expect */
/**
 * Integration tests need real services whose addresses come from
 * `scripts/testenv/testenv env`. Without them the tests are skipped, unless
 * KLI8NT_TESTENV=required, where a missing service is a failure.
 */
export function missingTestEnv(names: string[]): string[] {
  return names.filter(name => !process.env[name]);
}

export function describeWithTestEnv(
  names: string[],
  title: string,
  fn: () => void,
): void {
  const missing = missingTestEnv(names);
  if (missing.length === 0) {
    describe(title, fn);
  } else if (process.env.KLI8NT_TESTENV === 'required') {
    describe(title, () => {
      it('has the services it needs', () => {
        throw new Error(
          `KLI8NT_TESTENV=required but ${missing.join(
            ', ',
          )} is not set; run eval "$(scripts/testenv/testenv env)"`,
        );
      });
    });
  } else {
    describe.skip(title, fn);
  }
}
