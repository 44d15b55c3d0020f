import {
  dependencyCacheProblems,
  formatTable,
  parseBuildSteps,
  parseExports,
} from './__testUtils__/buildah';

describe('parseBuildSteps', () => {
  it('marks cached steps, also when a stage is built from inside a later one', () => {
    const log = [
      '[1/3] STEP 1/3: FROM node:22.23-bookworm AS deps',
      '[1/3] STEP 2/3: WORKDIR /app',
      '--> Using cache 28a8e0384c75e8f08d6f1fd08e47a86fd4c539bc9d608328c85baa353237a049',
      '--> 28a8e0384c7',
      '[1/3] STEP 3/3: RUN ["npm", "ci"]',
      '--> Using cache db344add02a90ebe8e6e172bb280c52115c94d544fd55b07fb1fccdee378d28c',
      '--> db344add02a',
      '[3/3] STEP 1/3: FROM node:22.23-bookworm-slim',
      '[3/3] STEP 2/3: WORKDIR /app',
      '--> Using cache 28e83ded6913da3d63243316fc2a7cea157d63754610f9795d6c09af8e86713b',
      '--> 28e83ded691',
      '[3/3] STEP 3/3: COPY --from=build ["/app", "/app"]',
      '[2/3] STEP 1/2: FROM db344add02a AS build',
      '[2/3] STEP 2/2: COPY [".", "./"]',
      '--> 73ee60dbc78',
      '--> 82def63272e',
      '[3/3] COMMIT 127.0.0.1:25000/app:latest',
    ].join('\n');
    expect(
      parseBuildSteps(log).map(s => `${s.stage}.${s.index} ${s.cached}`),
    ).toEqual([
      '1.1 false',
      '1.2 true',
      '1.3 true',
      '2.1 false',
      '2.2 false',
      '3.1 false',
      '3.2 true',
      '3.3 false',
    ]);
  });

  it('attributes a late cache hit to the step that was waiting for its stage', () => {
    const log = [
      '[2/2] STEP 2/2: COPY --from=build ["/app", "/app"]',
      '[1/2] STEP 1/2: FROM x AS build',
      '[1/2] STEP 2/2: RUN ["true"]',
      '--> Using cache aaaaaaaaaaaaaaaa',
      '--> aaaaaaaaaaa',
      '--> Using cache bbbbbbbbbbbbbbbb',
      '--> bbbbbbbbbbb',
    ].join('\n');
    expect(parseBuildSteps(log)).toEqual([
      { stage: 1, index: 1, instruction: 'FROM x AS build', cached: false },
      { stage: 1, index: 2, instruction: 'RUN ["true"]', cached: true },
      {
        stage: 2,
        index: 2,
        instruction: 'COPY --from=build ["/app", "/app"]',
        cached: true,
      },
    ]);
  });

  it('reads single-stage logs and ignores stray lines', () => {
    expect(
      parseBuildSteps(
        '--> Using cache abc\nSTEP 1/2: FROM php\nSTEP 2/2: COPY [".", "/app"]\n--> 0123456789a\n',
      ),
    ).toEqual([
      { stage: 1, index: 1, instruction: 'FROM php', cached: false },
      { stage: 1, index: 2, instruction: 'COPY [".", "/app"]', cached: false },
    ]);
  });
});

describe('dependencyCacheProblems', () => {
  const step = (
    stage: number,
    index: number,
    instruction: string,
    cached: boolean,
  ) => ({
    stage,
    index,
    instruction,
    cached,
  });
  const plan = { generated: true, installCommand: ['npm', 'ci'] };

  it('accepts cached dependency steps and a rebuilt source copy', () => {
    const steps = [
      step(1, 1, 'FROM node AS deps', false),
      step(1, 2, 'COPY ["package.json", "./"]', true),
      step(1, 3, 'RUN ["npm", "ci"]', true),
      step(2, 1, 'FROM deps AS build', false),
      step(2, 2, 'COPY [".", "./"]', false),
      step(3, 2, 'COPY --from=build ["/app", "/app"]', false),
    ];
    expect(dependencyCacheProblems(steps, plan)).toEqual([]);
  });

  it('reports a rebuilt install step and a cached source copy', () => {
    const steps = [
      step(1, 2, 'RUN ["npm", "ci"]', false),
      step(1, 3, 'COPY --chown=10001:10001 [".", "/app"]', true),
    ];
    expect(dependencyCacheProblems(steps, plan)).toEqual([
      'dependency step not from cache: RUN ["npm", "ci"]',
      'source copy came from cache: COPY --chown=10001:10001 [".", "/app"]',
    ]);
  });

  it('needs a source copy, and an install step when the plan installs', () => {
    expect(dependencyCacheProblems([], plan)).toEqual([
      'no step copies the whole source tree',
    ]);
    expect(
      dependencyCacheProblems([step(1, 1, 'COPY [".", "./"]', false)], plan),
    ).toEqual(['no dependency-install RUN step before the source copy']);
  });

  it("does not judge a repository's own Dockerfile", () => {
    expect(dependencyCacheProblems([], { generated: false })).toEqual([]);
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
