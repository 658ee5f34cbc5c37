// A local OTLP/HTTP receiver for the benchmark, in its own process so that
// reading the exported spans does not slow the load generator's event loop.
// It drains each request and answers 200; on SIGTERM it prints what it got.
const { createServer } = require('node:http');

const received = { requests: 0, bytes: 0 };
const server = createServer((request, response) => {
  request.on('data', (chunk) => {
    received.bytes += chunk.length;
  });
  request.on('end', () => {
    received.requests++;
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}/v1/traces` })}\n`);
});
process.on('SIGTERM', () => {
  process.stdout.write(`${JSON.stringify({ received })}\n`);
  process.exit(0);
});
