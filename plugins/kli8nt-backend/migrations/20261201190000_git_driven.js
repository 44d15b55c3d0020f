// @ts-check

/**
 * Git-driven deploys (issue #20): per-app auto-deploy and preview settings,
 * the live pull request previews, and what triggered a deployment.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('app_git_settings', table => {
    table.comment(
      'Deploy on push and pull request previews, per app; removed with the app',
    );
    table
      .string('entity_ref')
      .primary()
      .notNullable()
      .comment('Stringified ref of the catalog entity that owns the app');
    table
      .string('repo_host')
      .notNullable()
      .comment('GitHub host of the entity when the settings were saved');
    table.string('repo_owner').notNullable().comment('Repository owner');
    table.string('repo_name').notNullable().comment('Repository name');
    table
      .string('auto_deploy_branch')
      .nullable()
      .comment('Pushes to this branch deploy its head commit; null: off');
    table
      .boolean('previews_enabled')
      .notNullable()
      .defaultTo(false)
      .comment('Pull requests against the tracked branch get a preview app');
    table
      .integer('preview_limit')
      .notNullable()
      .defaultTo(3)
      .comment('Concurrent previews; the oldest is stopped for a new one');
    table
      .boolean('preview_secrets')
      .notNullable()
      .defaultTo(false)
      .comment('Previews get the secrets (never from a fork)');
    table
      .string('updated_by')
      .notNullable()
      .comment('Who saved the settings last (user entity ref)');
    table
      .timestamp('updated_at', { useTz: true })
      .notNullable()
      .comment('When the settings were saved last');
    table.index(['repo_owner', 'repo_name'], 'app_git_settings_repo_idx');
  });
  await knex.schema.createTable('previews', table => {
    table.comment('Live pull request previews, each an app of its own');
    table
      .string('app_name', 63)
      .primary()
      .notNullable()
      .comment('The preview app: pr-<number>--<app>');
    table
      .string('parent_entity_ref')
      .notNullable()
      .comment('Entity whose app the preview belongs to');
    table.integer('pr_number').notNullable().comment('Pull request number');
    table.string('pr_url').notNullable().comment('Pull request on GitHub');
    table.string('head_ref').notNullable().comment('Head branch of the PR');
    table
      .string('head_sha', 40)
      .notNullable()
      .comment('Head commit deployed last');
    table
      .boolean('from_fork')
      .notNullable()
      .comment('Head in another repository: never gets secrets');
    table
      .timestamp('created_at', { useTz: true })
      .notNullable()
      .comment('When the preview was opened (the oldest is stopped first)');
    table
      .timestamp('updated_at', { useTz: true })
      .notNullable()
      .comment('When the preview was deployed last');
    table.unique(['parent_entity_ref', 'pr_number']);
  });
  await knex.schema.alterTable('deployments', table => {
    table
      .string('trigger_url', 2048)
      .nullable()
      .comment('Compare link of the push or pull request that triggered it');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('deployments', table => {
    table.dropColumn('trigger_url');
  });
  await knex.schema.dropTable('previews');
  await knex.schema.dropTable('app_git_settings');
};
