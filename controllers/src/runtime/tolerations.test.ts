import { parseTolerations } from './tolerations';

describe('parseTolerations', () => {
  it.each([
    ['', []],
    [
      'kli8nt.io/node=real:NoSchedule',
      [
        {
          key: 'kli8nt.io/node',
          operator: 'Equal',
          value: 'real',
          effect: 'NoSchedule',
        },
      ],
    ],
    [
      'dedicated:NoExecute',
      [{ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }],
    ],
    ['gpu', [{ key: 'gpu', operator: 'Exists' }]],
    [
      ' a=1:NoSchedule , b ',
      [
        { key: 'a', operator: 'Equal', value: '1', effect: 'NoSchedule' },
        { key: 'b', operator: 'Exists' },
      ],
    ],
  ])('reads %j', (text, tolerations) => {
    expect(parseTolerations(text)).toEqual({ tolerations });
  });

  it('names every bad item', () => {
    expect(parseTolerations('=x:NoSchedule,a:Sometimes,ok,b=c d')).toEqual({
      problems: [
        "'=x:NoSchedule' is not key[=value][:Effect]",
        "'a:Sometimes': the effect must be one of NoSchedule, PreferNoSchedule, NoExecute",
        "'b=c d' is not key[=value][:Effect]",
      ],
    });
  });
});
