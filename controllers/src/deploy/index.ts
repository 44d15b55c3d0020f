export { deployRole } from './role';
export { startDeployController } from './controller';
export type { DeployController } from './controller';
export type { DeployConfig } from './config';
