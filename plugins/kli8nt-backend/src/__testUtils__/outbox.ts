import { Knex } from 'knex';
import { OutboxRecord } from '../database/types';
import { OutboxRow, rowToOutbox } from '../database/rows';

/**
 * The outbox rows not yet sent, oldest first: what the relay has still to
 * publish. Only tests look at the outbox this way; the relay claims rows
 * through `OutboxStore`.
 */
export async function pendingOutbox(db: Knex): Promise<OutboxRecord[]> {
  const rows = await db<OutboxRow>('outbox')
    .whereNull('sent_at')
    .orderBy('id', 'asc');
  return rows.map(rowToOutbox);
}
