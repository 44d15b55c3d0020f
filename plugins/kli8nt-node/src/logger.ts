import { LoggerService } from '@backstage/backend-plugin-api';

/**
 * The logging kli8nt-node needs; Backstage's `LoggerService` fits, and so
 * does any object with these three methods.
 *
 * @public
 */
export type Kli8ntLogger = Pick<LoggerService, 'info' | 'warn' | 'error'>;

/** A logger that drops everything. */
export const silentLogger: Kli8ntLogger = {
  info() {},
  warn() {},
  error() {},
};
