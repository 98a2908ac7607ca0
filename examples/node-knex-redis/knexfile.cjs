// Used by the knex CLI (`npm run migrate`) and by server.js.
if (!process.env.DATABASE_URL) {
  throw new Error('DATABASE_URL is not set');
}

/** @type {import('knex').Knex.Config} */
module.exports = {
  client: 'pg',
  connection: process.env.DATABASE_URL,
  pool: { min: 0, max: 5 },
  acquireConnectionTimeout: 5000,
  migrations: {
    directory: './migrations',
    tableName: 'knex_migrations',
    loadExtensions: ['.cjs'],
  },
};
