export { sealSecret, openSecret, sealingKeyId } from './sealing';
export type { SealingKey } from './sealing';
export { sealCloneToken, openCloneToken } from './cloneToken';
export type { CloneTokenBinding } from './cloneToken';
