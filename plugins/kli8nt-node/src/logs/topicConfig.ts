import { LogTopicSettings } from '../config';

/** Topic-level configs of an app's log topic. */
export function topicConfigEntries(
  settings: LogTopicSettings,
): Array<{ name: string; value: string }> {
  return [
    { name: 'cleanup.policy', value: 'delete' },
    { name: 'retention.ms', value: String(settings.retentionMs) },
    { name: 'retention.bytes', value: String(settings.retentionBytes) },
    { name: 'segment.ms', value: String(settings.segmentMs) },
  ];
}
