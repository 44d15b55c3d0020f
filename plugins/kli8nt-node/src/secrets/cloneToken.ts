import { openSecret, SealingKey, sealSecret } from './sealing';

/**
 * What a sealed clone token is bound to: the deployment it was minted for
 * and the repository it may read. A sealed token copied into another
 * BuildRequested (another deployment or repository) does not open.
 *
 * @public
 */
export interface CloneTokenBinding {
  deploymentId: string;
  owner: string;
  name: string;
}

function context(binding: CloneTokenBinding): string {
  return [
    'kli8nt clone token',
    binding.deploymentId.toLowerCase(),
    `${binding.owner}/${binding.name}`.toLowerCase(),
  ].join('\n');
}

/**
 * Seals a clone token for a BuildRequested body, so the broker (queue,
 * dead-letter copies, disk) only ever holds ciphertext.
 *
 * @public
 */
export function sealCloneToken(
  token: string,
  key: SealingKey,
  binding: CloneTokenBinding,
): string {
  return sealSecret(token, key, context(binding));
}

/**
 * Opens a token sealed by {@link sealCloneToken} for the same binding.
 *
 * @public
 */
export function openCloneToken(
  sealed: string,
  keys: SealingKey[],
  binding: CloneTokenBinding,
): string {
  return openSecret(sealed, keys, context(binding));
}
