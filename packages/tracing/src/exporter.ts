import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ConsoleSpanExporter, type SpanExporter } from '@opentelemetry/sdk-trace';
import type { ResolvedConfig } from './config';

/** The exporter the configuration asks for; `undefined` for `none`. */
export function createExporter(config: ResolvedConfig): SpanExporter | undefined {
  switch (config.exporter) {
    case 'none':
      return undefined;
    case 'console':
      return new ConsoleSpanExporter();
    default: {
      const options = {
        url: config.otlpEndpoint,
        headers: config.otlpHeaders,
        timeoutMillis: config.otlpTimeoutMillis,
      };
      return config.otlpProtocol === 'http/protobuf' ? new OtlpProtoExporter(options) : new OtlpJsonExporter(options);
    }
  }
}
