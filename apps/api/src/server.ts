import cluster from 'node:cluster';
import { installShutdownHandlers } from '@app/tracing';
import Fastify, { LogController } from 'fastify';
import { AggregatorRegistry } from 'prom-client';
import app, { serverOptions } from './app';
import { ConfigError, loadConfig } from './config';
import { listenUrls } from './listen-addresses';
import { createLogger } from './logger';
import { startMetricsServer } from './metrics-server';
import accessLog from './plugins/access-log';
import { createRuntime } from './runtime';
import { tracesBanner } from './traces-banner';

function fail(message: string): never {
  process.stderr.write(`✖ ${message}\n`);
  process.exit(1);
}

/** Creates the runtime, listens on the public and metrics ports, and closes with grace on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const runtime = await createRuntime(config, logger);
  const fastify = Fastify(
    serverOptions(runtime.options, {
      loggerInstance: logger,
      logController: new LogController({ disableRequestLogging: true }),
    }),
  );
  await fastify.register(accessLog);
  // While draining, answer in-flight requests with `Connection: close`: a keep-alive socket that
  // turns idle after close() started would otherwise hold the server open until its timeout.
  let draining = false;
  fastify.addHook('onSend', async (_request, reply) => {
    if (draining) reply.header('connection', 'close');
  });
  await fastify.register(app, runtime.options);
  await fastify.listen({ port: config.port, host: config.host });
  // A cluster worker (src/cluster.ts) answers the primary's AggregatorRegistry with its registry;
  // only the primary listens on the metrics port.
  // (constructing one installs prom-client's IPC listener in the worker, as its cluster example does).
  if (cluster.isWorker) {
    AggregatorRegistry.setRegistries([runtime.options.metrics.registry]);
    new AggregatorRegistry();
  }
  const metrics = cluster.isWorker
    ? undefined
    : await startMetricsServer(runtime.options.metrics.registry, config.metricsHost, config.metricsPort);

  // The addresses the server really listens on (a wildcard bind lists every interface).
  const urls = listenUrls(fastify.addresses());
  const api = urls[0]!;
  const lines = [
    '',
    `API      ${urls.join('  ')}${config.host === '127.0.0.1' || config.host === '::1' || config.host === 'localhost' ? ' (loopback only; HOST=0.0.0.0 serves the network)' : ''}`,
    `Docs     ${api}/docs`,
    metrics ? `Metrics  ${metrics.url}` : `Metrics  aggregated by the cluster primary (worker ${process.pid})`,
    ...tracesBanner(),
    ...Object.values(runtime.embedded).map((note) => `Embedded ${note}`),
    `Journey  node apps/api/scripts/journey.mjs ${api} (a new keypair: sign-in, quizzes, rewards, credential)`,
    `Audit    sealed every ${config.auditSealIntervalMs} ms; check: DATABASE_URL=… npm run audit -- verify`,
    '',
  ];
  // For the person at the terminal: on stderr, so stdout carries JSON log lines only (LOGS.md).
  process.stderr.write(`${lines.join('\n')}\n`);

  // SIGTERM/SIGINT: stop accepting, drain in-flight requests and jobs, close clients, then flush spans.
  installShutdownHandlers({
    drainTimeoutMillis: config.shutdownGraceMs,
    drain: async () => {
      logger.info('shutting down: no new connections, draining requests');
      draining = true;
      await fastify.close();
      logger.info('requests drained, background jobs stopped');
      if (metrics) await new Promise((resolve) => metrics.server.close(resolve));
      await runtime.close();
      logger.info('clients closed; flushing spans');
      logger.flush();
    },
  });
}

main().catch((error: unknown) => fail(`failed to start: ${error instanceof Error ? error.message : String(error)}`));
