import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createStellarClient, SPAN_RPC_PREFIX, SPAN_SUBMIT } from '../src';
import { FAST, type Harness, payment, startHarness } from './helpers';

/** With a context manager (as @app/tracing installs one), the SDK runs inside the RPC span. */
describe('context propagation', () => {
  let h: Harness;
  const manager = new AsyncLocalStorageContextManager();
  beforeAll(async () => {
    context.setGlobalContextManager(manager.enable());
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
    manager.disable();
    context.disable();
  });

  it('nests what the SDK does under the RPC span, and the submission under the caller span', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const tracer = provider.getTracer('test');
    // Stands in for HTTP instrumentation: records the span active when the SDK sends a request.
    const activeDuringSend: (string | undefined)[] = [];
    const server = new Proxy(h.server, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver);
        if (key !== 'sendTransaction') return value;
        return (...args: unknown[]) => {
          activeDuringSend.push((trace.getActiveSpan() as unknown as { name?: string } | undefined)?.name);
          return value.apply(target, args);
        };
      },
    });
    const client = createStellarClient({ server, tracer, ...FAST });
    const tx = await payment(h);

    const outcome = await tracer.startActiveSpan('POST /claims', async (request) => {
      const result = await client.submitAndWait(tx, { method: 'reward_payment' });
      request.end();
      return result;
    });

    expect(outcome.status).toBe('success');
    expect(activeDuringSend).toEqual([`${SPAN_RPC_PREFIX}sendTransaction`]);
    const spans = exporter.getFinishedSpans();
    const request = spans.find((s) => s.name === 'POST /claims')!;
    const submit = spans.find((s) => s.name === SPAN_SUBMIT)!;
    expect(submit.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    await provider.shutdown();
  });
});
