import { buildPlanSchema, planProcesses } from './buildPlan';

const plan = {
  stack: 'python',
  startCommand: ['python', 'bot.py'],
  port: 8080,
  dockerfilePath: 'Dockerfile',
  generated: true,
  dockerfile: 'FROM python:3.12-slim-bookworm\n',
  baseImages: ['python:3.12-slim-bookworm'],
  notes: [],
} as const;

describe('buildPlanSchema processes', () => {
  it('accepts a plan from before process types (no processes)', () => {
    const parsed = buildPlanSchema.parse(plan);
    expect(parsed.processes).toBeUndefined();
    expect(planProcesses(parsed)).toEqual([
      { name: 'web', type: 'web', command: ['python', 'bot.py'] },
    ]);
  });

  it('accepts web, workers and a release', () => {
    const processes = [
      { name: 'web', type: 'web', command: ['gunicorn', 'app:app'] },
      { name: 'worker', type: 'worker', command: ['celery', 'worker'] },
      { name: 'clock', type: 'worker', command: ['python', 'clock.py'] },
      {
        name: 'release',
        type: 'release',
        command: ['python', 'manage.py', 'migrate'],
      },
    ];
    const parsed = buildPlanSchema.parse({ ...plan, processes });
    expect(planProcesses(parsed)).toEqual(processes);
  });

  it.each([
    [
      'two web processes',
      [
        { name: 'web', type: 'web', command: ['a'] },
        { name: 'web2', type: 'web', command: ['b'] },
      ],
      'at most one web',
    ],
    [
      'duplicate names',
      [
        { name: 'worker', type: 'worker', command: ['a'] },
        { name: 'worker', type: 'worker', command: ['b'] },
      ],
      'unique',
    ],
    [
      'only a release',
      [{ name: 'release', type: 'release', command: ['a'] }],
      'release process alone',
    ],
    [
      'a bad name',
      [{ name: 'Web Server', type: 'web', command: ['a'] }],
      'Invalid string',
    ],
    ['an empty list', [], 'expected array to have >=1'],
  ])('rejects %s', (_what, processes, message) => {
    const result = buildPlanSchema.safeParse({ ...plan, processes });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error!.issues)).toContain(message);
  });
});
