/** @param {import('knex').Knex} knex */
exports.up = (knex) =>
  knex.schema.createTable('visits', (t) => {
    t.bigIncrements('id');
    t.text('user_agent');
    t.timestamp('visited_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

/** @param {import('knex').Knex} knex */
exports.down = (knex) => knex.schema.dropTable('visits');
