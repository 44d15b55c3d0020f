// @ts-check

/**
 * Custom domain claims (issue #17): a domain routes to an app only once its
 * owners proved it with a DNS TXT record; the primary key lets one app, and
 * only one, hold each domain.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('domain_claims', table => {
    table
      .string('domain', 253)
      .primary()
      .comment('A custom domain, lowercase, as in the app settings');
    table
      .string('entity_ref')
      .notNullable()
      .comment('The catalog entity of the app that proved it');
    table
      .string('app_name')
      .notNullable()
      .comment('The app that proved it; its rollouts route the domain');
    table
      .timestamp('verified_at', { useTz: true })
      .notNullable()
      .comment('When the TXT record was found');
    table.index(['app_name'], 'domain_claims_app_name_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('domain_claims');
};
