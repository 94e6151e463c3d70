// An independent gRPC health client (grpc-js + proto-loader): Check once, then Watch and print every status.
//   node health.js HOST:PORT [SERVICE]
// Prints one JSON line per event: {"check":"SERVING"}, {"watch":"NOT_SERVING"}, {"end":<grpc code or "ok">}.
const path = require('path');
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');

const [address, service = ''] = process.argv.slice(2);
const definition = loader.loadSync(path.join(__dirname, '../../src/Micro/Health/Protos/health.proto'), { enums: String });
const Health = grpc.loadPackageDefinition(definition).grpc.health.v1.Health;
const client = new Health(address, grpc.credentials.createInsecure());
const say = (o) => process.stdout.write(JSON.stringify(o) + '\n');
setTimeout(() => { say({ end: 'timeout' }); process.exit(2); }, 60000).unref();

client.check({ service }, { deadline: Date.now() + 5000 }, (err, reply) => {
  say(err ? { check: 'error', code: err.code } : { check: reply.status });
  const call = client.watch({ service });
  call.on('data', (r) => say({ watch: r.status }));
  call.on('error', (e) => { say({ end: e.code }); process.stderr.write(String(e.details) + '\n'); process.exit(0); });
  call.on('end', () => { say({ end: 'ok' }); process.exit(0); });
});
