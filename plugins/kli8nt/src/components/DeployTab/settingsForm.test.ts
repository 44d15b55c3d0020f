import { makeSettings } from '../../__testUtils__/FakeKli8ntApi';
import {
  formFromSettings,
  validateForm,
  type SettingsForm,
} from './settingsForm';

function form(patch: Partial<SettingsForm> = {}): SettingsForm {
  return {
    ...formFromSettings(
      makeSettings({
        port: 8080,
        env: { A: '1' },
        secretEnvNames: ['S'],
        healthCheckPath: '/healthz',
      }),
    ),
    ...patch,
  };
}

describe('validateForm', () => {
  it('builds the request from valid settings, leaving stored secrets alone', () => {
    expect(validateForm(form())).toEqual({
      request: {
        port: 8080,
        replicas: 1,
        healthCheckPath: '/healthz',
        domains: [],
        env: { A: '1' },
        secretEnv: {},
      },
      errors: {},
    });
  });

  it.each([
    [{ port: 'abc' }, 'port', 'must be a whole number'],
    [{ port: '0' }, 'port', 'must be between 1 and 65535'],
    [{ replicas: '21' }, 'replicas', 'must be between 0 and 20'],
    [
      { healthCheckPath: 'healthz' },
      'healthCheckPath',
      expect.stringMatching(/starting with \//),
    ],
    [
      { domains: 'ok.example.com\nok.example.com' },
      'domains',
      'must not contain duplicates',
    ],
    [
      { domains: 'UPPER.example.com' },
      'domains',
      expect.stringMatching(
        /^UPPER\.example\.com: must be a lowercase DNS name/,
      ),
    ],
  ])('reports %j on %s', (patch, field, message) => {
    const result = validateForm(form(patch as Partial<SettingsForm>));
    expect(result.request).toBeUndefined();
    expect(result.errors[field]).toEqual(message);
  });

  it('checks env names and duplicates across plain and secret variables', () => {
    const f = form();
    f.env.push({ key: 'x', name: 'A', value: '2' });
    f.env.push({ key: 'y', name: '9X', value: '' });
    f.secrets.push({
      key: 'z',
      name: 'A',
      value: 'v',
      stored: false,
      removed: false,
    });
    f.secrets.push({
      key: 'w',
      name: 'NEW',
      value: '',
      stored: false,
      removed: false,
    });
    const { errors } = validateForm(f);
    expect(errors).toEqual({
      'env.1.name': 'is already used',
      'env.2.name': expect.stringMatching(/environment variable name/),
      'secrets.1.name': 'is already used',
      'secrets.2.value': 'must not be empty',
    });
  });

  it('patches secrets: replace, remove, add; ignores empty rows', () => {
    const f = form();
    f.secrets[0].removed = true;
    f.secrets.push({
      key: 'n',
      name: 'NEW',
      value: 'v',
      stored: false,
      removed: false,
    });
    f.env.push({ key: 'e', name: '', value: '' });
    expect(validateForm(f).request?.secretEnv).toEqual({ S: null, NEW: 'v' });

    const g = form();
    g.secrets[0].value = 'replaced';
    expect(validateForm(g).request?.secretEnv).toEqual({ S: 'replaced' });
  });

  it('clears the health check path when emptied', () => {
    expect(
      validateForm(form({ healthCheckPath: ' ' })).request?.healthCheckPath,
    ).toBeNull();
  });
});
