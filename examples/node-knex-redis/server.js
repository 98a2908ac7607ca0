// Visits counter: plain node:http, knex (Postgres) and redis. No framework.
import http from 'node:http';
import knexFactory from 'knex';
import { createClient } from 'redis';
import knexConfig from './knexfile.cjs';

const port = Number(process.env.PORT ?? 3000);
const redisUrl = process.env.REDIS_URL ?? 'redis://localhost:6379';

const db = knexFactory(knexConfig);

const redis = createClient({
  url: redisUrl,
  // Fail fast while redis is unreachable instead of queueing commands (so /health answers 503).
  disableOfflineQueue: true,
  socket: { connectTimeout: 3000, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2000) },
});
let lastRedisError = '';
redis.on('error', (err) => {
  if (err.message !== lastRedisError) console.error('redis error:', err.message);
  lastRedisError = err.message;
});
redis.on('ready', () => {
  lastRedisError = '';
  console.log('redis ready');
});
// Keeps retrying in the background; the server starts at once and /health reports 503 meanwhile.
redis.connect().catch((err) => console.error('redis connect failed:', err.message));

function send(res, status, body) {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(json),
  });
  res.end(json);
}

async function check(name, fn) {
  try {
    await fn();
    return [name, 'ok'];
  } catch (err) {
    return [name, err.message || String(err)];
  }
}

const routes = {
  'GET /health': async (req, res) => {
    const results = Object.fromEntries(
      await Promise.all([
        check('db', () => db.raw('SELECT 1')),
        check('redis', async () => {
          if (!redis.isReady) throw new Error('not connected');
          await redis.ping();
        }),
      ]),
    );
    const ok = Object.values(results).every((r) => r === 'ok');
    send(res, ok ? 200 : 503, { ok, ...results });
  },
  'GET /': async (req, res) => {
    send(res, 200, { app: 'node-knex-redis', routes: ['GET /health', 'GET /visits'] });
  },
  'GET /visits': async (req, res) => {
    const redisCount = await redis.incr('visits');
    await db('visits').insert({ user_agent: req.headers['user-agent'] ?? null });
    const [{ count }] = await db('visits').count({ count: '*' });
    send(res, 200, { redis: redisCount, postgres: Number(count) });
  },
};

const server = http.createServer(async (req, res) => {
  const { pathname } = new URL(req.url ?? '/', 'http://localhost');
  const handler = routes[`${req.method} ${pathname}`];
  try {
    if (!handler) return send(res, 404, { error: `no route for ${req.method} ${pathname}` });
    await handler(req, res);
  } catch (err) {
    console.error(`${req.method} ${pathname} failed:`, err);
    if (!res.headersSent) send(res, 500, { error: err.message });
    else res.end();
  }
});

server.listen(port, () => console.log(`node-knex-redis listening on :${port}`));

let stopping = false;
function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`${signal} received, shutting down`);
  server.close(async () => {
    await Promise.allSettled([
      db.destroy(),
      redis.isReady ? redis.close() : Promise.resolve(redis.isOpen && redis.destroy()),
    ]);
    process.exit(0);
  });
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 5000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
