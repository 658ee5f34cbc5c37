import { getTracingStats, resolveConfig } from '@app/tracing';

/** How to see this process's traces, for the start banner. */
export function tracesBanner(): string[] {
  const preloaded = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((arg) => arg.includes('@app/tracing'));
  if (!preloaded && getTracingStats().queueCapacity === 0) {
    return ['Traces   off: start with node --import @app/tracing/register dist/server.js (npm start does)'];
  }
  try {
    const config = resolveConfig();
    if (!config.enabled || config.exporter === 'none')
      return ['Traces   disabled (OTEL_SDK_DISABLED / OTEL_TRACES_EXPORTER=none)'];
    if (config.exporter === 'console') return ['Traces   printed to stdout (OTEL_TRACES_EXPORTER=console)'];
    return [
      `Traces   OTLP/HTTP (${config.otlpProtocol}) to ${config.otlpEndpoint} as service "${config.serviceName}"`,
      '         e.g. Jaeger all-in-one listening on :4318, UI on http://localhost:16686;',
      '         OTEL_TRACES_EXPORTER=console prints spans here. trace_id is in every log line and audit row',
    ];
  } catch (error) {
    return [`Traces   misconfigured: ${error instanceof Error ? error.message : String(error)}`];
  }
}
