import { LoggerService } from '@backstage/backend-plugin-api';
import { EventParams, EventsService } from '@backstage/plugin-events-node';
import { GitDeploys } from './GitDeploys';
import { parsePullRequest, parsePush } from './payloads';

/** Topics of the events backend's GitHub module (one per X-GitHub-Event). */
export const GITHUB_TOPICS = Object.freeze({
  push: 'github.push',
  pullRequest: 'github.pull_request',
});

/**
 * Hands GitHub's push and pull_request webhooks, received and verified by
 * the events backend (`/api/events/http/github`), to {@link GitDeploys}.
 * One subscriber id, so backend replicas share the events.
 */
export class WebhookSubscriber {
  constructor(
    private readonly options: {
      events: EventsService;
      deploys: GitDeploys;
      logger: LoggerService;
    },
  ) {}

  async subscribe(): Promise<void> {
    await this.options.events.subscribe({
      id: 'kli8nt-git-deploys',
      topics: [GITHUB_TOPICS.push, GITHUB_TOPICS.pullRequest],
      onEvent: params => this.onEvent(params),
    });
  }

  async onEvent(params: EventParams): Promise<void> {
    const { deploys, logger } = this.options;
    const delivery = params.metadata?.['x-github-delivery'];
    const parsed =
      params.topic === GITHUB_TOPICS.push
        ? parsePush(params.eventPayload)
        : parsePullRequest(params.eventPayload);
    if ('problem' in parsed) {
      logger.warn(
        `GitHub ${params.topic} event ${delivery ?? ''} ignored: ${
          parsed.problem
        }`,
      );
      return;
    }
    try {
      if ('pusher' in parsed.event) await deploys.onPush(parsed.event);
      else await deploys.onPullRequest(parsed.event);
    } catch (error) {
      // The event bus does not redeliver to this subscriber: say what failed.
      logger.error(
        `GitHub ${params.topic} event ${delivery ?? ''} failed: ${error}`,
      );
    }
  }
}
