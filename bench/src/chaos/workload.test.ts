import { answerOf, wasRefused } from './workload';

describe('answerOf', () => {
  it("counts a build cap's 429 as a clean refusal of its own", () => {
    expect(answerOf(429, [202])).toBe('capped');
    expect(wasRefused('capped')).toBe(true);
  });

  it('tells accepted, refused and unanswered requests apart', () => {
    expect(answerOf(202, [202])).toBe('accepted');
    expect(answerOf(204, [204])).toBe('accepted');
    expect(answerOf(409, [202])).toBe('refused');
    expect(answerOf(422, [202])).toBe('refused');
    expect(answerOf(404, [204])).toBe('refused');
    expect(answerOf(0, [202])).toBe('unknown');
    expect(answerOf(503, [202])).toBe('unknown');
    expect(wasRefused('refused')).toBe(true);
    expect(wasRefused('accepted')).toBe(false);
    expect(wasRefused('unknown')).toBe(false);
  });
});
