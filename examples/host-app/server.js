// GET /health: 200 once `SELECT 1` works. GET /: the greeting. GET /notes: the notes.
// With a file named crash.flag beside it, it exits at start (to show devenv's restart limit).
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { Pool } = require('pg');

if (fs.existsSync(path.join(__dirname, 'crash.flag'))) {
  console.error('crash.flag found: exiting with code 1');
  process.exit(1);
}

const greeting = 'hello from the host';
const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 2 });

const server = http.createServer(async (req, res) => {
  // A request log, as dev servers keep one (health checks left out: they come every few seconds).
  if (req.url !== '/health') console.log(`${req.method} ${req.url}`);
  try {
    if (req.url === '/health') {
      await pool.query('SELECT 1');
      res.end('ok');
    } else if (req.url === '/notes') {
      const { rows } = await pool.query('SELECT body FROM notes ORDER BY id');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(rows.map((r) => r.body)));
    } else if (req.url === '/') {
      res.end(greeting);
    } else {
      res.writeHead(404).end('not found');
    }
  } catch (error) {
    res.writeHead(503).end(error.message);
  }
});

server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log(`web listening on 127.0.0.1:${process.env.PORT} (pid ${process.pid})`));
process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
