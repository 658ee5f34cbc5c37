// An ES module Fastify service traced with one line:
//   node --import @app/tracing/register examples/esm-app.mjs
// GET /users/:id reads PostgreSQL and Redis and logs through pino (Fastify's logger).
import { currentTraceIds, shutdownTracing, withSpan } from '@app/tracing';
import closeWithGrace from 'close-with-grace';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import pg from 'pg';

const pool = new pg.Pool({ host: '127.0.0.1', user: 'postgres', database: 'test', max: 2 });
const redis = new Redis({ host: '127.0.0.1', keyPrefix: process.env.REDIS_PREFIX ?? 'example:' });
const app = Fastify({ logger: { level: 'info' } });

app.get('/users/:id', async (request) => {
  const { rows } = await pool.query('SELECT $1::int AS id, now() AS at', [Number(request.params.id)]);
  const visits = await withSpan('visits.count', { 'app.user.id': request.params.id }, () =>
    redis.incr(`visits:${request.params.id}`),
  );
  request.log.info({ visits }, 'user read');
  return { id: rows[0].id, visits, trace: currentTraceIds() };
});
// While closing, answer with Connection: close: a keep-alive socket that turns idle after close() started
// would otherwise hold the close open until its keep-alive timeout.
let closing = false;
app.addHook('onSend', async (_request, reply) => {
  if (closing) reply.header('connection', 'close');
});
app.addHook('onClose', async () => {
  await pool.end();
  redis.disconnect();
});

await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
// SIGTERM/SIGINT: the app drains (app.close), then the spans are flushed and tracing stops.
closeWithGrace({ delay: 10_000 }, async ({ err }) => {
  if (err) app.log.error({ err }, 'closing after an error');
  closing = true;
  await app.close();
  await shutdownTracing();
});
process.stdout.write(`${JSON.stringify({ listening: app.server.address().port })}\n`);
