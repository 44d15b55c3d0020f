import { topicConfigEntries } from './topicConfig';

it('sets the delete policy and retention of log topics', () => {
  expect(
    topicConfigEntries({
      partitions: 1,
      replicationFactor: 1,
      retentionMs: 1000,
      retentionBytes: 2000,
      segmentMs: 3000,
    }),
  ).toEqual([
    { name: 'cleanup.policy', value: 'delete' },
    { name: 'retention.ms', value: '1000' },
    { name: 'retention.bytes', value: '2000' },
    { name: 'segment.ms', value: '3000' },
  ]);
});
