// @ts-check

/**
 * The deployment ledger (issue #16): a per-app sequence that orders every
 * request and every rollout decision, the tombstone of a delete, and a
 * settings version for optimistic concurrency.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('app_sequences', table => {
    table.comment(
      'One row per app name, kept after the app is deleted: its row lock serializes the ledger, its counter orders requests and rollouts',
    );
    table
      .string('app_name', 63)
      .primary()
      .notNullable()
      .comment('DNS label naming the app in the cluster');
    table
      .bigInteger('last_sequence')
      .notNullable()
      .defaultTo(0)
      .comment('Last sequence number handed out for this app');
    table
      .bigInteger('deleted_sequence')
      .nullable()
      .comment('Sequence of the last delete: nothing older may take effect');
  });
  await knex.schema.alterTable('deployments', table => {
    table
      .bigInteger('sequence')
      .nullable()
      .comment('Acceptance order within the app; null for rows from before');
    table
      .bigInteger('rollout_sequence')
      .nullable()
      .comment(
        'Order of the decision that sent it to the deploy queue; null while not rolled out',
      );
  });
  await knex.schema.alterTable('apps', table => {
    table
      .integer('settings_version')
      .notNullable()
      .defaultTo(0)
      .comment('Incremented by every settings save (optimistic concurrency)');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('apps', table => {
    table.dropColumn('settings_version');
  });
  await knex.schema.alterTable('deployments', table => {
    table.dropColumn('rollout_sequence');
    table.dropColumn('sequence');
  });
  await knex.schema.dropTable('app_sequences');
};
