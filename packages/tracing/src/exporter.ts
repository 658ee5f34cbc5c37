import type { SpanExporter } from '@opentelemetry/sdk-trace';
import { ConsoleSpanExporter } from '@opentelemetry/sdk-trace';
import type { ResolvedConfig } from './config';

/**
 * The exporter the configuration asks for; `undefined` for `none`. The OTLP
 * exporters are required lazily: each pulls in the OTLP transformer (and the
 * protobuf one its encoder), which a `console` or `none` setup never needs.
 */
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
      if (config.otlpProtocol === 'http/protobuf') {
        const { OTLPTraceExporter } =
          require('@opentelemetry/exporter-trace-otlp-proto') as typeof import('@opentelemetry/exporter-trace-otlp-proto');
        return new OTLPTraceExporter(options);
      }
      const { OTLPTraceExporter } =
        require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
      return new OTLPTraceExporter(options);
    }
  }
}
