/**
 * Kli8nt shared contracts: queue message schemas, REST bodies, naming rules,
 * the deployment state machine and permissions. Pure and isomorphic.
 *
 * @packageDocumentation
 */

// Only what other packages use, and the types their signatures name; the
// rest stays inside the modules.
export {
  appNameSchema,
  clusterNameSchema,
  dnsNameSchema,
  urlPathSchema,
  envNameSchema,
  envValueSchema,
  entityRefSchema,
  timestampSchema,
  uuidSchema,
  parseInput,
} from './validation';
export {
  isTerminalStatus,
  canTransition,
  TERMINAL_DEPLOYMENT_STATUSES,
} from './status';
export type { DeploymentStatus } from './status';
export { foldStatus } from './foldStatus';
export type { FoldedStatus, FoldableStatusReport } from './foldStatus';
export {
  parseMessage,
  createMessage,
  buildRequestedMessageSchema,
  deployRequestedMessageSchema,
  deleteRequestedMessageSchema,
  cancelRequestedMessageSchema,
  statusReportMessageSchema,
  kli8ntMessageSchema,
  MAX_MESSAGE_BYTES,
  resourceQuantitySchema,
  appConfigSchema,
  buildPlanReportSchema,
  processReadinessSchema,
} from './messages';
export type {
  BuildRequestedMessage,
  DeployRequestedMessage,
  DeleteRequestedMessage,
  CancelRequestedMessage,
  StatusReportMessage,
  Kli8ntMessage,
  Kli8ntMessageType,
  Kli8ntMessageOfType,
  Kli8ntPayloadInput,
  ParseMessageResult,
  CreateMessageOptions,
  AppConfig,
  BuildPlanReport,
  ProcessReadiness,
} from './messages';
export {
  fnv1a32,
  appNameFromEntity,
  appHost,
  deploymentSignalChannel,
  logTopicName,
  buildQueueName,
  deployQueueName,
  buildObjectName,
  cloneSecretName,
  appEnvSecretName,
  appTlsSecretName,
  processKey,
  workerDeploymentName,
  kli8ntLabels,
  LABELS,
  MANAGED_BY,
  INFORM_QUEUE,
} from './naming';
export type { Kli8ntRole, AppNameSource } from './naming';
export {
  kli8ntDeploymentCreatePermission,
  kli8ntDeploymentReadPermission,
  kli8ntLogsReadPermission,
  kli8ntAppConfigurePermission,
  kli8ntPermissions,
} from './permissions';
export {
  createDeploymentRequestSchema,
  deploymentTriggerSchema,
  deploymentSchema,
  deploymentEventSchema,
  deploymentPageSchema,
  listDeploymentsQuerySchema,
  redeployRequestSchema,
  branchSchema,
  branchListSchema,
  appSettingsSchema,
  domainStateSchema,
  updateAppSettingsRequestSchema,
  DEFAULT_PREVIEW_LIMIT,
  gitSettingsSchema,
  updateGitSettingsRequestSchema,
  previewSchema,
  logSourceSchema,
  logLineSchema,
  logStreamQuerySchema,
  LOG_STREAM_CLOSE_REASONS,
  LOG_STREAM_CLOSE_CODES,
  LOG_STREAM_TOKEN_PROTOCOL_PREFIX,
} from './api';
export type {
  DeploymentTrigger,
  Deployment,
  DeploymentEvent,
  DeploymentPage,
  Branch,
  BranchList,
  AppSettings,
  DomainState,
  UpdateAppSettingsRequest,
  GitSettings,
  UpdateGitSettingsRequest,
  Preview,
  LogSource,
  LogLine,
  LogStreamQuery,
  LogStreamCloseReason,
} from './api';
export {
  STACKS,
  PACKAGE_MANAGERS,
  processSchema,
  buildPlanSchema,
} from './buildPlan';
export type { Stack, PackageManager, Process, BuildPlan } from './buildPlan';
export { readSourcePath, touchesSourcePath } from './sourcePath';
