/*
 * The logs WebSocket on its own, for measuring it apart from a backend
 * (bench/: startTestBackend cannot serve WebSocket routes). The plugin
 * itself wires these in plugin.ts.
 */
export { LogStreamHandler } from './logs/LogStreamHandler';
export type { LogStreamHandlerOptions } from './logs/LogStreamHandler';
export { EntityAccess } from './service/EntityAccess';
