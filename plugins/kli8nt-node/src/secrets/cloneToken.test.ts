import { randomBytes } from 'node:crypto';
import { openCloneToken, sealCloneToken } from './cloneToken';
import { openSecret } from './sealing';

describe('sealed clone tokens', () => {
  const key = randomBytes(32);
  const binding = {
    deploymentId: '8d7c3f0e-4a51-4b0f-9c6e-2f1a7b3c9d10',
    owner: 'acme',
    name: 'shop',
  };
  const token = 'ghs_0123456789abcdefghijklmnopqrstuvwxyz';

  it('opens for the same deployment and repository (case-insensitive names)', () => {
    const sealed = sealCloneToken(token, key, binding);
    expect(sealed).not.toContain(token);
    expect(
      openCloneToken(sealed, [key], {
        deploymentId: binding.deploymentId.toUpperCase(),
        owner: 'ACME',
        name: 'Shop',
      }),
    ).toBe(token);
  });

  it.each([
    ['another deployment', { ...binding, deploymentId: 'other' }],
    ['another repository', { ...binding, name: 'billing' }],
    ['another owner', { ...binding, owner: 'evil' }],
  ])('does not open when copied to %s', (_, other) => {
    const sealed = sealCloneToken(token, key, binding);
    expect(() => openCloneToken(sealed, [key], other)).toThrow(
      /authentication/,
    );
  });

  it('is not a plain sealed secret (no context), nor opens as one', () => {
    const sealed = sealCloneToken(token, key, binding);
    expect(() => openSecret(sealed, [key])).toThrow(/authentication/);
  });

  it('does not open with another key', () => {
    const sealed = sealCloneToken(token, key, binding);
    expect(() => openCloneToken(sealed, [randomBytes(32)], binding)).toThrow(
      /No sealing key/,
    );
  });
});
