export * from './types';
export { TerminalError, isTerminalError } from './errors';
export { redactText } from './redact';
export { processDelivery } from './processDelivery';
export type { DeliveryOutcome } from './processDelivery';
export { InMemoryWorkQueue } from './InMemoryWorkQueue';
export { AmqpWorkQueue } from './AmqpWorkQueue';
