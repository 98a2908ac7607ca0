// The schema, applied on every up: idempotent, as a migration tool's deploy step is.
const { Client } = require('pg');

(async () => {
  const client = new Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  await client.query('CREATE TABLE IF NOT EXISTS notes (id serial PRIMARY KEY, body text NOT NULL)');
  await client.end();
  console.log('schema is up to date');
})().catch((error) => { console.error(error.message); process.exit(1); });
