import { OffsetTracker } from './OffsetTracker';

describe('OffsetTracker', () => {
  it('accepts each offset once per partition and resumes after the newest', () => {
    const t = new OffsetTracker();
    expect(t.resumePoint()).toBeUndefined();
    expect(t.accept({ offset: '5' })).toBe(true);
    expect(t.accept({ offset: '5' })).toBe(false);
    expect(t.accept({ offset: '4' })).toBe(false);
    expect(t.accept({ offset: '18446744073709551615' })).toBe(true);
    expect(t.resumePoint()).toEqual({ offset: '18446744073709551615' });
    expect(t.accept({ offset: '1', partition: 1 })).toBe(true);
    expect(t.resumePoint()).toBeUndefined();
  });

  it('prefers the server cursor', () => {
    const t = new OffsetTracker();
    t.accept({ offset: '7', partition: 0, cursor: '0:8,1:3' });
    t.accept({ offset: '2', partition: 1, cursor: '0:8,1:3' });
    expect(t.resumePoint()).toEqual({ cursor: '0:8,1:3' });
  });
});
