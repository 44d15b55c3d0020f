/**
 * Kli8nt shared contracts: queue message schemas, REST bodies, naming rules,
 * the deployment state machine and permissions. Pure and isomorphic.
 *
 * @packageDocumentation
 */

export * from './status';
export * from './foldStatus';
export * from './messages';
export * from './naming';
export * from './permissions';
export * from './api';
export * from './buildPlan';
export * from './sourcePath';
export {
  textSchema,
  reasonCodeSchema,
  appNameSchema,
  clusterNameSchema,
  dnsNameSchema,
  commitShaSchema,
  imageDigestSchema,
  imageReferenceSchema,
  gitRefSchema,
  githubOwnerSchema,
  githubRepoNameSchema,
  cloneUrlSchema,
  repoPathSchema,
  urlPathSchema,
  httpUrlSchema,
  envNameSchema,
  envValueSchema,
  sealedValueSchema,
  entityRefSchema,
  timestampSchema,
  uuidSchema,
  MAX_ENV_VARS,
  MAX_ENV_VALUE_BYTES,
  MAX_ENV_TOTAL_BYTES,
  formatValidationError,
  safeParseInput,
  parseInput,
} from './validation';
export type { ParseResult } from './validation';
