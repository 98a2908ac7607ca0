// Seed data: devenv runs this once per database (when: fresh), so it need not check what is there.
const { Client } = require('pg');

(async () => {
  const client = new Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  await client.query("INSERT INTO notes (body) VALUES ('first seeded note'), ('second seeded note')");
  await client.end();
  console.log('seeded 2 notes');
})().catch((error) => { console.error(error.message); process.exit(1); });
