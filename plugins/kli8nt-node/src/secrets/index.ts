export { sealSecret, openSecret, sealingKeyId } from './sealing';
export type { SealingKey } from './sealing';
