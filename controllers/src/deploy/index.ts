export { deployRole } from './role';
export { startDeployController } from './controller';
export type { DeployController } from './controller';
export { readDeploySection, DeployConfigError } from './config';
export type { DeployConfig } from './config';
