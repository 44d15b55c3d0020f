import type { KubeConfig } from '@kubernetes/client-node';
import type { ControllerConfig, RoleName } from './config';
import type { Logger } from './runtime';

/** What a role gets at start-up: its configuration, read once, and the cluster. */
export interface RoleContext<R extends RoleName> {
  config: ControllerConfig<R>;
  kubeConfig: KubeConfig;
  logger: Logger;
}

/** A started role; `stop` finishes in-flight work and releases connections. */
export interface RunningRole {
  stop(): Promise<void>;
}

/** One role of the controllers image (`kli8nt-controller <role>`). */
export interface ControllerRole<R extends RoleName> {
  description: string;
  start(context: RoleContext<R>): Promise<RunningRole>;
}
