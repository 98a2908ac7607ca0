// A small notes API: plain node:http + pg, no framework.
import http from 'node:http';
import pg from 'pg';

const port = Number(process.env.PORT ?? 3000);
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error('DATABASE_URL is not set');
  process.exit(1);
}

const pool = new pg.Pool({ connectionString: databaseUrl, max: 5, connectionTimeoutMillis: 5000 });
// An idle client losing its connection (e.g. the database restarts) must not crash the app.
pool.on('error', (err) => console.error('pg pool error:', err.message));

function send(res, status, body) {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(json),
  });
  res.end(json);
}

async function readJson(req, limit = 64 * 1024) {
  let size = 0;
  const chunks = [];
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) throw Object.assign(new Error('request body too large'), { status: 413 });
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    throw Object.assign(new Error('request body is not valid JSON'), { status: 400 });
  }
}

async function listNotes() {
  const { rows } = await pool.query('SELECT id, body, created_at FROM notes ORDER BY id');
  return rows;
}

const routes = {
  'GET /health': async (req, res) => {
    try {
      await pool.query('SELECT 1');
      send(res, 200, { ok: true });
    } catch (err) {
      send(res, 503, { ok: false, error: err.message });
    }
  },
  'GET /': async (req, res) => {
    send(res, 200, { app: 'node-postgres', notes: await listNotes() });
  },
  'GET /notes': async (req, res) => {
    send(res, 200, await listNotes());
  },
  'POST /notes': async (req, res) => {
    const input = await readJson(req);
    if (typeof input.body !== 'string' || input.body.trim() === '') {
      return send(res, 400, { error: 'expected a JSON body like {"body": "some text"}' });
    }
    const { rows } = await pool.query(
      'INSERT INTO notes (body) VALUES ($1) RETURNING id, body, created_at',
      [input.body],
    );
    send(res, 201, rows[0]);
  },
};

const server = http.createServer(async (req, res) => {
  const { pathname } = new URL(req.url ?? '/', 'http://localhost');
  const handler = routes[`${req.method} ${pathname}`];
  try {
    if (!handler) return send(res, 404, { error: `no route for ${req.method} ${pathname}` });
    await handler(req, res);
  } catch (err) {
    if (!err.status) console.error(`${req.method} ${pathname} failed:`, err);
    if (!res.headersSent) send(res, err.status ?? 500, { error: err.message });
    else res.end();
  }
});

server.listen(port, () => console.log(`node-postgres listening on :${port}`));

let stopping = false;
function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`${signal} received, shutting down`);
  // Stop accepting connections, drop idle keep-alive ones, then close the pool.
  server.close(() => {
    pool.end().finally(() => process.exit(0));
  });
  server.closeIdleConnections();
  // Don't let a hanging request keep the container alive.
  setTimeout(() => process.exit(0), 5000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
