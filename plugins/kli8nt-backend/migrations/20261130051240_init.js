// @ts-check

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('apps', table => {
    table.comment('Apps deployed by Kli8nt, one per catalog entity');
    table
      .string('entity_ref')
      .primary()
      .notNullable()
      .comment('Stringified ref of the catalog entity that owns the app');
    table
      .string('app_name', 63)
      .notNullable()
      .unique()
      .comment('DNS label naming the app in the cluster');
    table
      .string('cluster', 63)
      .notNullable()
      .comment('Cluster the app is deployed to');
    table
      .integer('port')
      .notNullable()
      .defaultTo(8080)
      .comment('Container port the app listens on');
    table
      .integer('replicas')
      .notNullable()
      .defaultTo(1)
      .comment('Desired number of pods');
    table
      .string('health_check_path')
      .nullable()
      .comment('HTTP path probed for readiness, if any');
    table
      .text('domains')
      .notNullable()
      .comment('JSON array of custom host names');
    table
      .text('env')
      .notNullable()
      .comment('JSON object of plain environment variables');
    table
      .text('secret_env')
      .notNullable()
      .comment(
        'JSON object of secret environment variables, each value sealed with AES-256-GCM',
      );
    table
      .text('resources')
      .nullable()
      .comment('JSON object with cpu and memory requests, if set');
    table
      .timestamp('created_at', { useTz: true })
      .notNullable()
      .comment('When the app was first deployed or configured');
    table
      .timestamp('updated_at', { useTz: true })
      .notNullable()
      .comment('When the settings last changed');
  });

  await knex.schema.createTable('deployments', table => {
    table.comment('Every deployment requested through Kli8nt');
    table.uuid('id').primary().notNullable().comment('Deployment id');
    table
      .string('entity_ref')
      .notNullable()
      .comment('Stringified ref of the catalog entity deployed');
    table
      .string('app_name', 63)
      .notNullable()
      .comment('App name at request time');
    table.string('cluster', 63).notNullable().comment('Target cluster');
    table
      .string('trigger', 16)
      .notNullable()
      .comment(
        'What started it: manual, scaffolder, redeploy, rollback or config',
      );
    table
      .string('ref')
      .notNullable()
      .comment('Git ref the user asked for (branch, tag or SHA)');
    table
      .string('commit_sha', 40)
      .notNullable()
      .comment('Commit the ref resolved to');
    table
      .string('repo_owner')
      .nullable()
      .comment('Owner of the GitHub repository');
    table
      .string('repo_name')
      .nullable()
      .comment('Name of the GitHub repository');
    table
      .string('repo_host')
      .nullable()
      .comment('Host of the GitHub repository');
    table
      .uuid('source_deployment_id')
      .nullable()
      .comment(
        'For redeploy and rollback: the deployment whose image is reused',
      );
    table
      .string('requested_by')
      .notNullable()
      .comment('Entity ref of the user who asked for the deployment');
    table.text('image').nullable().comment('Image reference, once built');
    table
      .string('image_digest', 80)
      .nullable()
      .comment('Image digest (sha256:…), once built');
    table
      .string('status', 16)
      .notNullable()
      .comment('Current status, folded from the events');
    table
      .string('reason', 128)
      .nullable()
      .comment('Machine-readable reason of the current status');
    table.text('message').nullable().comment('Human-readable status message');
    table.text('url').nullable().comment('URL the app is served at, once live');
    table
      .bigInteger('github_deployment_id')
      .nullable()
      .comment('Id of the mirrored GitHub Deployment, if any');
    table
      .timestamp('created_at', { useTz: true })
      .notNullable()
      .comment('When the deployment was requested');
    table
      .timestamp('updated_at', { useTz: true })
      .notNullable()
      .comment('When the status last changed');
    table
      .timestamp('finished_at', { useTz: true })
      .nullable()
      .comment('When the deployment reached a terminal status');
    table.index(['entity_ref', 'created_at'], 'deployments_entity_created_idx');
    table.index(['app_name', 'status'], 'deployments_app_status_idx');
  });

  await knex.schema.createTable('deployment_events', table => {
    table.comment('StatusReport messages received for deployments');
    table
      .increments('seq')
      .comment('Arrival order, used to order events with equal timestamps');
    table
      .uuid('message_id')
      .notNullable()
      .unique()
      .comment('messageId of the report; makes storing idempotent');
    table
      .uuid('deployment_id')
      .notNullable()
      .references('id')
      .inTable('deployments')
      .onDelete('CASCADE')
      .comment('The deployment reported on');
    table.string('status', 16).notNullable().comment('Reported status');
    table
      .timestamp('occurred_at', { useTz: true })
      .notNullable()
      .comment('When the reporter observed the status');
    table
      .timestamp('received_at', { useTz: true })
      .notNullable()
      .comment('When the backend stored the report');
    table.text('message').notNullable().comment('The full report, as JSON');
    table.index(['deployment_id', 'occurred_at'], 'events_deployment_idx');
  });

  await knex.schema.createTable('outbox', table => {
    table.comment(
      'Messages to publish to the work queues (transactional outbox)',
    );
    table.increments('id').comment('Publication order');
    table
      .string('queue')
      .notNullable()
      .comment('Routing key the message is published to');
    table
      .uuid('message_id')
      .notNullable()
      .unique()
      .comment('messageId of the message');
    table
      .uuid('deployment_id')
      .nullable()
      .comment('Deployment the message is about');
    table
      .text('message')
      .notNullable()
      .comment('The message as JSON; never contains credentials');
    table
      .integer('attempts')
      .notNullable()
      .defaultTo(0)
      .comment('Failed publish attempts');
    table.text('last_error').nullable().comment('Last publish error');
    table
      .timestamp('claimed_until', { useTz: true })
      .nullable()
      .comment(
        'Lease of the backend instance publishing the row; others skip it until then',
      );
    table
      .timestamp('created_at', { useTz: true })
      .notNullable()
      .comment('When the row was written');
    table
      .timestamp('sent_at', { useTz: true })
      .nullable()
      .comment('When the broker confirmed the message; null while pending');
    table.index(['sent_at', 'id'], 'outbox_pending_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('outbox');
  await knex.schema.dropTable('deployment_events');
  await knex.schema.dropTable('deployments');
  await knex.schema.dropTable('apps');
};
