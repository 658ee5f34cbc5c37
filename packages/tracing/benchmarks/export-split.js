// What each step of exporting a sampled span costs, per span, in one process, steps interleaved:
//   node benchmarks/export-split.js [rounds=5]     (from packages/tracing, after the build)
// 512 SERVER spans with the attributes of @app/tracing's Fastify span (distinct url.path) go through
// the steps the export pipeline takes: on the request thread the wire form (toWire) and V8's
// structured-clone serialisation that postMessage does; on the export worker the deserialisation,
// the ReadableSpan rebuild and the OTLP encoders of the maintained exporters (otlp-transformer's
// ProtobufTraceSerializer and JsonTraceSerializer). Medians of the rounds, in µs per span.
const { createRequire } = require('node:module');
const { serialize, deserialize } = require('node:v8');
const { SpanKind, ROOT_CONTEXT } = require('@opentelemetry/api');
const { TracerProvider } = require('@opentelemetry/sdk-trace');
const { ReceivedSpan, toWire } = require('../dist/span-wire');

// The encoders the OTLP exporters use, resolved through the exporter packages as they do.
const fromProto = createRequire(require.resolve('@opentelemetry/exporter-trace-otlp-proto'));
const { ProtobufTraceSerializer, JsonTraceSerializer } = fromProto('@opentelemetry/otlp-transformer');

const ROUNDS = Number(process.argv[2] ?? 5);
const SPANS = 512;
const REPEAT = 50;

const ended = [];
const provider = new TracerProvider({
  spanProcessors: [
    { onStart() {}, onEnd: (span) => ended.push(span), forceFlush: async () => {}, shutdown: async () => {} },
  ],
});
const tracer = provider.getTracer('@app/tracing/fastify');
for (let i = 0; i < SPANS; i++) {
  const span = tracer.startSpan('GET /rewards/:id', { kind: SpanKind.SERVER }, ROOT_CONTEXT);
  span.setAttributes({
    'http.request.method': 'GET',
    'url.path': `/rewards/${i}`,
    'url.scheme': 'http',
    'server.address': '127.0.0.1',
    'server.port': 3000,
    'client.address': '127.0.0.1',
    'network.protocol.version': '1.1',
    'http.route': '/rewards/:id',
    'user_agent.original': 'autocannon',
    'http.response.status_code': 200,
  });
  span.end();
}
const wires = ended.map((span) => toWire(span, 0, 0));
const cloned = serialize(wires);
const { resource, instrumentationScope } = ended[0];
const received = wires.map((wire) => new ReceivedSpan(wire, resource, instrumentationScope));

const steps = [
  ['request thread: toWire', () => ended.map((span) => toWire(span, 0, 0))],
  ['request thread: structured-clone serialise (postMessage)', () => serialize(wires)],
  ['export worker: structured-clone deserialise', () => deserialize(cloned)],
  ['export worker: ReadableSpan rebuild', () => wires.map((w) => new ReceivedSpan(w, resource, instrumentationScope))],
  ['export worker: OTLP protobuf encoding', () => ProtobufTraceSerializer.serializeRequest(received)],
  ['export worker: OTLP JSON encoding', () => JsonTraceSerializer.serializeRequest(received)],
];
const results = steps.map(() => []);
for (let round = 0; round < ROUNDS; round++) {
  for (let k = 0; k < steps.length; k++) {
    const i = (k + round) % steps.length;
    const started = process.hrtime.bigint();
    for (let r = 0; r < REPEAT; r++) steps[i][1]();
    results[i].push(Number(process.hrtime.bigint() - started) / REPEAT / SPANS / 1000);
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
console.log(`Node ${process.version}, ${ROUNDS} rounds of ${REPEAT} x ${SPANS} spans, medians`);
console.log('| step | µs/span |');
console.log('| --- | ---: |');
for (const [i, [name]] of steps.entries()) console.log(`| ${name} | ${median(results[i]).toFixed(2)} |`);
console.log(
  `bytes per span: structured clone ${(cloned.length / SPANS).toFixed(0)}, OTLP protobuf ${(ProtobufTraceSerializer.serializeRequest(received).length / SPANS).toFixed(0)}, OTLP JSON ${(JsonTraceSerializer.serializeRequest(received).length / SPANS).toFixed(0)}`,
);
