export interface Config {
  kli8nt?: {
    /** Settings only the quick start's local platform (scripts/platform) sets. */
    localPlatform?: {
      /**
       * Lets the catalog register `file` locations (scripts/local-app's entity
       * files). Never set it on a shared portal: it reads the backend's files.
       */
      fileLocations?: boolean;
    };
  };
}
