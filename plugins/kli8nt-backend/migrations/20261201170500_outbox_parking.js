// @ts-check

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('outbox', table => {
    table
      .timestamp('parked_at', { useTz: true })
      .nullable()
      .comment(
        'When the relay gave up on the row after repeated failures (its deployment was failed); null while it is retried',
      );
    table.index(['sent_at', 'parked_at', 'id'], 'outbox_unparked_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('outbox', table => {
    table.dropIndex(['sent_at', 'parked_at', 'id'], 'outbox_unparked_idx');
    table.dropColumn('parked_at');
  });
};
