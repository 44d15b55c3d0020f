import {
  formatTable,
  parseBuildSteps,
  parseExports,
} from './buildah';

describe('parseBuildSteps', () => {
  it('marks the steps buildah took from the layer cache', () => {
    const log = [
      'STEP 1/4: FROM node:22.23-bookworm AS deps',
      'STEP 2/4: WORKDIR /app',
      '--> Using cache 3b1f0c2d9e8a7f6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b',
      '--> 3b1f0c2d9e8',
      'STEP 3/4: RUN ["npm", "ci"]',
      '--> Using cache 77aa',
      '--> 77aa',
      'STEP 4/4: COPY [".", "./"]',
      'added 12 packages',
      '--> 5e6f',
      '[2/2] STEP 1/2: FROM deps AS build',
      '[2/2] STEP 2/2: CMD ["npm", "run", "start"]',
      'COMMIT 127.0.0.1:25000/app:latest',
    ].join('\n');
    expect(parseBuildSteps(log)).toEqual([
      { index: 1, instruction: 'FROM node:22.23-bookworm AS deps', cached: false },
      { index: 2, instruction: 'WORKDIR /app', cached: true },
      { index: 3, instruction: 'RUN ["npm", "ci"]', cached: true },
      { index: 4, instruction: 'COPY [".", "./"]', cached: false },
      { index: 1, instruction: 'FROM deps AS build', cached: false },
      { index: 2, instruction: 'CMD ["npm", "run", "start"]', cached: false },
    ]);
  });

  it('ignores a cache line before any step', () => {
    expect(parseBuildSteps('--> Using cache abc\n')).toEqual([]);
  });
});

describe('helpers', () => {
  it('parses export lines', () => {
    expect(
      parseExports("export A='1'\nexport B_2='/x y'\nnot an export\n"),
    ).toEqual({ A: '1', B_2: '/x y' });
  });

  it('formats a table with aligned columns', () => {
    expect(formatTable(['a', 'bb'], [['xyz', '1']])).toBe(
      ['| a   | bb |', '|-----|----|', '| xyz | 1  |'].join('\n'),
    );
  });
});
