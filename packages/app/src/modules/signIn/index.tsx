import {
  configApiRef,
  createFrontendModule,
  githubAuthApiRef,
  useApi,
} from '@backstage/frontend-plugin-api';
import { SignInPageBlueprint } from '@backstage/plugin-app-react';
import { SignInPage, SignInProviderConfig } from '@backstage/core-components';
import { SignInPageProps } from '@backstage/core-plugin-api';

const githubProvider: SignInProviderConfig = {
  id: 'github-auth-provider',
  title: 'GitHub',
  message: 'Sign in using GitHub',
  apiRef: githubAuthApiRef,
};

/**
 * Offers the sign-in providers listed in `app.signIn.providers`
 * (guest alone by default, so the embedded portal needs no setup).
 */
export function Kli8ntSignInPage(props: SignInPageProps) {
  const config = useApi(configApiRef);
  const providers = signInProviders(
    config.getOptionalStringArray('app.signIn.providers'),
  );
  return <SignInPage {...props} auto providers={providers} />;
}

export function signInProviders(
  names: string[] = ['guest'],
): Array<'guest' | SignInProviderConfig> {
  return names.map(name => {
    if (name === 'github') return githubProvider;
    if (name === 'guest') return 'guest';
    throw new Error(
      `app.signIn.providers: unknown provider '${name}', expected guest or github`,
    );
  });
}

export const signInModule = createFrontendModule({
  pluginId: 'app',
  extensions: [
    SignInPageBlueprint.make({
      params: { loader: async () => Kli8ntSignInPage },
    }),
  ],
});
