// @ts-check

/**
 * Monorepo apps (issue #20): the subdirectory a deployment was built from,
 * so History shows it and redeploys keep it.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('deployments', table => {
    table
      .string('source_path', 255)
      .nullable()
      .comment(
        'Build context inside the repository (kli8nt.io/source-path); null: the root',
      );
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('deployments', table => {
    table.dropColumn('source_path');
  });
};
