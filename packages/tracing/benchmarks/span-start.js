// Cost of starting, activating and ending one span as @fastify/otel starts its request span, SDK tracer
// against the fast-path tracer of this package, interleaved in one process:
//   node benchmarks/span-start.js [ratio=0]        (from packages/tracing, after the build)
const { context, trace, ROOT_CONTEXT } = require('@opentelemetry/api');
const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
const { TracerProvider, ParentBasedSampler, TraceIdRatioBasedSampler } = require('@opentelemetry/sdk-trace');
const { createSampler } = require('../dist/sampler.js');
const { PresetIdGenerator, UnsampledFastPathProvider } = require('../dist/unsampled-path.js');
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const ratio = Number(process.argv[2] ?? 0);
const sdk = new TracerProvider({
  sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) }),
}).getTracer('x');
const sampler = createSampler('parentbased_traceidratio', ratio);
const ids = new PresetIdGenerator();
const fast = new UnsampledFastPathProvider(new TracerProvider({ sampler, idGenerator: ids }), sampler, ids).getTracer(
  'x',
);
const attrs = () => ({
  'app.root': '@fastify/otel',
  'http.request.method': 'GET',
  'url.path': '/rewards/42',
  'http.route': '/rewards/:id',
});
function t(tr) {
  const n = 200000;
  const s = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const sp = tr.startSpan('request', { attributes: attrs(), kind: 1 }, ROOT_CONTEXT);
    context.with(trace.setSpan(ROOT_CONTEXT, sp), () => sp.end());
  }
  return Number(process.hrtime.bigint() - s) / n;
}
t(sdk);
t(fast);
const r = { sdk: [], fast: [] };
for (let k = 0; k < 7; k++) {
  r.sdk.push(t(sdk));
  r.fast.push(t(fast));
}
const med = (x) => x.sort((a, b) => a - b)[3];
console.log(
  `ratio ${ratio}: SDK tracer ${med(r.sdk).toFixed(0)} ns/span, fast path ${med(r.fast).toFixed(0)} ns/span (startSpan + context.with + end, median of 7 interleaved rounds of 200k)`,
);
