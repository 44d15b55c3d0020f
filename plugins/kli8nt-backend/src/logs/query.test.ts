import { parseLogStreamQuery } from './query';

const ref = 'entityRef=component:default/shop';
const uuid = '3b241101-e2bb-4255-8caf-4136c566a962';

describe('parseLogStreamQuery', () => {
  it('defaults to the newest 1000 lines', () => {
    expect(parseLogStreamQuery(`/logs?${ref}`)).toEqual({
      entityRef: 'component:default/shop',
      deploymentId: undefined,
      source: undefined,
      from: { tail: 1000 },
    });
  });

  it.each([
    [`cursor=0:5,1:7`, { cursor: '0:5,1:7' }],
    [`offset=0:5`, { cursor: '0:5' }],
    [`offset=41`, { cursor: '0:42' }],
    [`since=2026-01-01T00:00:00Z`, { sinceTime: '2026-01-01T00:00:00Z' }],
    [`tail=10`, { tail: 10 }],
    [`tail=10&offset=3`, { cursor: '0:4' }],
  ])('reads %s', (params, from) => {
    expect(parseLogStreamQuery(`/logs?${ref}&${params}`).from).toEqual(from);
  });

  it('filters by deployment and source', () => {
    expect(
      parseLogStreamQuery(`/logs?${ref}&deployment=${uuid}&source=build`),
    ).toMatchObject({ deploymentId: uuid, source: 'build' });
  });

  it.each([
    [''],
    ['entityRef=nope'],
    [`${ref}&tail=-1`],
    [`${ref}&offset=abc`],
    [`${ref}&since=yesterday`],
    [`${ref}&deployment=x`],
    [`${ref}&unknown=1`],
    [`${ref}&${ref}`],
  ])('rejects %s', params => {
    expect(() => parseLogStreamQuery(`/logs?${params}`)).toThrow(
      expect.objectContaining({ name: 'InputError' }),
    );
  });
});
