// @ts-check

/**
 * Build limits (issue #17): every build request counts the cluster's builds
 * in progress, which this index keeps from scanning the whole history.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('deployments', table => {
    table.index(['cluster', 'status'], 'deployments_cluster_status_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('deployments', table => {
    table.dropIndex(['cluster', 'status'], 'deployments_cluster_status_idx');
  });
};
