export interface Config {
  app?: {
    signIn?: {
      /**
       * Sign-in providers shown on the sign-in page, in order. Each needs its
       * `auth.providers.<name>` entry on the backend. Defaults to guest only.
       * @visibility frontend
       */
      providers?: Array<'guest' | 'github'>;
    };
  };
}
