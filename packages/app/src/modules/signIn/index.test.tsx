import { githubAuthApiRef } from '@backstage/frontend-plugin-api';
import { signInProviders } from '.';

describe('signInProviders', () => {
  it('offers guest sign-in by default', () => {
    expect(signInProviders()).toEqual(['guest']);
  });

  it('offers GitHub sign-in when configured, in the configured order', () => {
    const providers = signInProviders(['github', 'guest']);
    expect(providers[0]).toMatchObject({
      id: 'github-auth-provider',
      apiRef: githubAuthApiRef,
    });
    expect(providers[1]).toBe('guest');
  });

  it('names an unknown provider', () => {
    expect(() => signInProviders(['gitlab'])).toThrow(
      "app.signIn.providers: unknown provider 'gitlab', expected guest or github",
    );
  });
});
