import { newReportKey, reportMessageId } from './reportIds';

const DEPLOYMENT_ID = '0b5f6a8e-3c1d-4e2f-9a7b-6c5d4e3f2a1b';
const OTHER_ID = '00000000-0000-4000-8000-000000000001';

describe('report ids', () => {
  it('makes a fresh 256-bit key each time', () => {
    const keys = new Set(Array.from({ length: 100 }, newReportKey));
    expect(keys.size).toBe(100);
    for (const key of keys) {
      expect(Buffer.from(key, 'base64url')).toHaveLength(32);
    }
  });

  it('gives the same id for the same key and report, any case of the deployment id', () => {
    const key = newReportKey();
    const id = reportMessageId(key, 'deploy', DEPLOYMENT_ID, 'live');
    expect(reportMessageId(key, 'deploy', DEPLOYMENT_ID, 'live')).toBe(id);
    expect(
      reportMessageId(key, 'deploy', DEPLOYMENT_ID.toUpperCase(), 'live'),
    ).toBe(id);
    // A UUID version 8 (custom), RFC 9562 variant: what messages accept.
    expect(id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('gives another id for another report, role or key', () => {
    const key = newReportKey();
    const ids = [
      reportMessageId(key, 'deploy', DEPLOYMENT_ID, 'live'),
      reportMessageId(key, 'deploy', DEPLOYMENT_ID, 'deploying'),
      reportMessageId(key, 'deploy', OTHER_ID, 'live'),
      reportMessageId(key, 'build', DEPLOYMENT_ID, 'failed'),
      reportMessageId(key, 'deploy', DEPLOYMENT_ID, 'failed'),
      reportMessageId(newReportKey(), 'deploy', DEPLOYMENT_ID, 'live'),
    ];
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('refuses to make an id without a key', () => {
    expect(() => reportMessageId('', 'deploy', DEPLOYMENT_ID, 'live')).toThrow(
      /report key/,
    );
  });
});
