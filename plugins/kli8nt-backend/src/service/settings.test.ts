import { openSecret, sealSecret } from '@kli8nt/backstage-plugin-kli8nt-node';
import { DEFAULT_SETTINGS, appConfigOf, applySettingsPatch } from './settings';

const KEY = Buffer.alloc(32, 1).toString('base64');

describe('applySettingsPatch', () => {
  it('keeps what the patch does not name', () => {
    const current = {
      ...DEFAULT_SETTINGS,
      env: { A: '1' },
      secretEnv: { S: sealSecret('x', KEY) },
    };
    expect(applySettingsPatch(current, { port: 3000 }, KEY)).toEqual({
      ...current,
      port: 3000,
    });
  });

  it('seals secret values and deletes on null', () => {
    const next = applySettingsPatch(
      { ...DEFAULT_SETTINGS, secretEnv: { OLD: sealSecret('old', KEY) } },
      { secretEnv: { TOKEN: 'hunter2', OLD: null } },
      KEY,
    );
    expect(Object.keys(next.secretEnv)).toEqual(['TOKEN']);
    expect(next.secretEnv.TOKEN).not.toContain('hunter2');
    expect(openSecret(next.secretEnv.TOKEN, [KEY])).toBe('hunter2');
  });

  it('clears optional settings with null', () => {
    const next = applySettingsPatch(
      { ...DEFAULT_SETTINGS, healthCheckPath: '/h', resources: { cpu: '1' } },
      { healthCheckPath: null, resources: null },
      KEY,
    );
    expect(next.healthCheckPath).toBeUndefined();
    expect(next.resources).toBeUndefined();
  });

  it('refuses secrets without a key', () => {
    expect(() =>
      applySettingsPatch(
        DEFAULT_SETTINGS,
        { secretEnv: { T: 'x' } },
        undefined,
      ),
    ).toThrow('kli8nt.secretKey is not configured');
    // Deleting needs no key.
    expect(
      applySettingsPatch(
        DEFAULT_SETTINGS,
        { secretEnv: { T: null } },
        undefined,
      ),
    ).toEqual(DEFAULT_SETTINGS);
  });

  it('rejects a name that would be both plain and secret', () => {
    const current = applySettingsPatch(
      DEFAULT_SETTINGS,
      { secretEnv: { TOKEN: 'x' } },
      KEY,
    );
    expect(() =>
      applySettingsPatch(current, { env: { TOKEN: 'plain' } }, KEY),
    ).toThrow(expect.objectContaining({ name: 'InputError' }));
  });
});

describe('appConfigOf', () => {
  it('drops absent optional fields', () => {
    expect(
      appConfigOf({ ...DEFAULT_SETTINGS, healthCheckPath: undefined }),
    ).toEqual({
      port: 8080,
      replicas: 1,
      domains: [],
      env: {},
      secretEnv: {},
    });
  });
});
