import {
  DatabaseService,
  LoggerService,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import { Knex } from 'knex';
import { Kli8ntBackendConfig } from '../config';
import { FailDeployment } from '../deadLetters/failDeployment';
import { OutboxStore } from '../outbox/OutboxStore';

type SweeperConfig = Kli8ntBackendConfig['sweeper'];
type WaitingStatus = keyof SweeperConfig['deadlineMinutes'];

const WHAT_IT_WAITS_FOR: Record<WaitingStatus, string> = {
  queued: 'a build controller to take the build',
  building: 'the build to finish',
  built: 'a deploy controller to take the rollout',
  deploying: 'the rollout to finish',
};

/** Deployments ended per status and run, so that one run stays short. */
const BATCH = 100;

/**
 * Keeps the README's promise that every accepted request ends: a
 * deployment that has not moved for longer than its status' deadline is
 * ended `failed` (reason `Stuck`) through the ledger, whatever was lost on
 * the way (a message, a controller, a report). Also deletes outbox rows
 * after the retention period. Runs on Backstage's scheduler, so one
 * backend replica at a time.
 */
export class Sweeper {
  constructor(
    private readonly options: {
      db: Knex;
      outbox: OutboxStore;
      failDeployment: FailDeployment;
      logger: LoggerService;
      config: SweeperConfig;
    },
  ) {}

  static async create(options: {
    database: Pick<DatabaseService, 'getClient'>;
    failDeployment: FailDeployment;
    logger: LoggerService;
    config: SweeperConfig;
  }): Promise<Sweeper> {
    return new Sweeper({
      ...options,
      db: await options.database.getClient(),
      outbox: await OutboxStore.create(options),
    });
  }

  /** Registers the periodic run. */
  async schedule(scheduler: SchedulerService): Promise<void> {
    await scheduler.scheduleTask({
      id: 'kli8nt-sweeper',
      frequency: { seconds: this.options.config.intervalSeconds },
      timeout: { minutes: 10 },
      initialDelay: { seconds: 30 },
      fn: async () => {
        await this.sweep(new Date());
      },
    });
  }

  /** One run; returns what it did. */
  async sweep(now: Date): Promise<{ ended: number; deletedOutbox: number }> {
    const { db, outbox, failDeployment, logger, config } = this.options;
    let ended = 0;
    for (const [status, minutes] of Object.entries(config.deadlineMinutes)) {
      const cutoff = new Date(now.getTime() - minutes * 60_000);
      const stuck: Array<{ id: string; app_name: string; cluster: string }> =
        await db('deployments')
          .select('id', 'app_name', 'cluster')
          .where({ status })
          .andWhere('updated_at', '<', cutoff)
          .orderBy('updated_at', 'asc')
          .limit(BATCH);
      for (const row of stuck) {
        await failDeployment(
          { deploymentId: row.id, app: row.app_name, cluster: row.cluster },
          'Stuck',
          `No progress for over ${minutes} minutes while ${status}, waiting for ${
            WHAT_IT_WAITS_FOR[status as WaitingStatus]
          } (kli8nt.sweeper.deadlineMinutes.${status}); deploy again once the controllers are healthy`,
        );
        ended++;
      }
    }
    const retentionCutoff = new Date(
      now.getTime() - config.retentionDays * 86_400_000,
    );
    const deletedOutbox = await outbox.deleteFinishedBefore(retentionCutoff);
    if (ended || deletedOutbox) {
      logger.info(
        `Sweeper ended ${ended} stuck deployment(s) and deleted ${deletedOutbox} old outbox row(s)`,
      );
    }
    return { ended, deletedOutbox };
  }
}
