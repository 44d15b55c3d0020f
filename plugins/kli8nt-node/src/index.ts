/**
 * Node.js library for kli8nt: RabbitMQ work queues, the Kafka log bus,
 * their in-memory twins, secret sealing and the backend service refs.
 *
 * @packageDocumentation
 */

export * from './config';
export type { Kli8ntLogger } from './logger';
export * from './queue';
export * from './logs';
export * from './secrets';
export * from './factories';
export * from './services';
