import { resolveConfig } from '../src/config';
import { ERROR_CODES, TracingError } from '../src/errors';

describe('resolveConfig', () => {
  it('has safe defaults with an empty environment', () => {
    const config = resolveConfig({}, {});
    expect(config).toMatchObject({
      enabled: true,
      serviceName: 'unknown_service:node',
      exporter: 'otlp',
      otlpEndpoint: 'http://localhost:4318/v1/traces',
      otlpProtocol: 'http/protobuf',
      exportThread: 'worker',
      sampler: 'parentbased_always_on',
      samplerRatio: 1,
      batch: { maxQueueSize: 2048, maxExportBatchSize: 512, scheduledDelayMillis: 5000, exportTimeoutMillis: 30000 },
      instrumentations: ['http', 'undici', 'fastify', 'pg', 'ioredis', 'pino'],
      traceBackground: false,
      serverSpans: 'fastify',
      fastifyHookSpans: false,
      debug: false,
    });
  });

  it('reads the standard OTEL_* variables', () => {
    const config = resolveConfig(
      {},
      {
        OTEL_SERVICE_NAME: 'learn-api',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod,team=rewards%20squad',
        OTEL_TRACES_EXPORTER: 'console',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc',
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.1',
        OTEL_BSP_MAX_QUEUE_SIZE: '256',
        OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'undici,@opentelemetry/instrumentation-pino',
        APP_TRACING_DEBUG: 'true',
      },
    );
    expect(config).toMatchObject({
      serviceName: 'learn-api',
      resourceAttributes: { 'deployment.environment.name': 'prod', team: 'rewards squad' },
      exporter: 'console',
      otlpEndpoint: 'http://collector:4318/v1/traces',
      otlpProtocol: 'http/protobuf',
      otlpHeaders: { authorization: 'Bearer abc' },
      sampler: 'parentbased_traceidratio',
      samplerRatio: 0.1,
      batch: { maxQueueSize: 256 },
      instrumentations: ['http', 'fastify', 'pg', 'ioredis'],
      debug: true,
    });
  });

  it('exports from the worker thread unless APP_TRACING_EXPORT_THREAD or exportThread says main; refuses other values', () => {
    expect(resolveConfig({}, { APP_TRACING_EXPORT_THREAD: 'MAIN' }).exportThread).toBe('main');
    expect(resolveConfig({ exportThread: 'worker' }, { APP_TRACING_EXPORT_THREAD: 'main' }).exportThread).toBe(
      'worker',
    );
    let error: unknown;
    try {
      resolveConfig({}, { APP_TRACING_EXPORT_THREAD: 'thread' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TracingError);
    expect(error).toMatchObject({
      code: ERROR_CODES.INVALID_OPTION,
      message: 'APP_TRACING_EXPORT_THREAD="thread" is not supported; expected worker | main',
    });
  });

  it('prefers the traces-specific endpoint as given, without appending a path', () => {
    const config = resolveConfig(
      {},
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:9999/custom' },
    );
    expect(config.otlpEndpoint).toBe('http://b:9999/custom');
  });

  it('lets code options override the environment', () => {
    const config = resolveConfig(
      {
        serviceName: 'from-code',
        exporter: 'none',
        sampler: 'always_off',
        samplerRatio: 0.5,
        instrumentations: ['pg'],
      },
      {
        OTEL_SERVICE_NAME: 'from-env',
        OTEL_TRACES_EXPORTER: 'console',
        OTEL_TRACES_SAMPLER: 'always_on',
        OTEL_TRACES_SAMPLER_ARG: '0.9',
        OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'pg',
      },
    );
    expect(config).toMatchObject({
      serviceName: 'from-code',
      exporter: 'none',
      sampler: 'always_off',
      samplerRatio: 0.5,
      instrumentations: ['pg'],
    });
  });

  it('is disabled by OTEL_SDK_DISABLED unless code enables it', () => {
    expect(resolveConfig({}, { OTEL_SDK_DISABLED: 'true' }).enabled).toBe(false);
    expect(resolveConfig({ enabled: true }, { OTEL_SDK_DISABLED: 'true' }).enabled).toBe(true);
  });

  it.each([
    [{ OTEL_TRACES_EXPORTER: 'zipkin' }, 'OTEL_TRACES_EXPORTER'],
    [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'],
    [{ OTEL_TRACES_SAMPLER: 'sometimes' }, 'OTEL_TRACES_SAMPLER'],
    [{ OTEL_TRACES_SAMPLER_ARG: '1.5' }, 'OTEL_TRACES_SAMPLER_ARG'],
    [{ OTEL_BSP_MAX_QUEUE_SIZE: '-3' }, 'OTEL_BSP_MAX_QUEUE_SIZE'],
    [{ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'mysql' }, 'OTEL_NODE_ENABLED_INSTRUMENTATIONS'],
    [{ APP_TRACING_SERVER_SPANS: 'express' }, 'APP_TRACING_SERVER_SPANS'],
  ])('rejects %p with a coded error naming the variable', (env, name) => {
    let error: unknown;
    try {
      resolveConfig({}, env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TracingError);
    expect((error as TracingError).code).toBe(ERROR_CODES.INVALID_OPTION);
    expect((error as TracingError).message).toContain(name);
  });
});
