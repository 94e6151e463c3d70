// An independent server-reflection client (grpc-js-reflection-client on grpc-js): lists services and methods,
// resolves message types, then calls a method using only the descriptors it downloaded.
//   node reflection.js HOST:PORT VERSION(v1|v1alpha) SERVICE METHOD MESSAGE REQUEST_JSON
// Prints one JSON line per step: services, methods, fields, reply (or error).
const grpc = require('@grpc/grpc-js');
const { GrpcReflection } = require('grpc-js-reflection-client');

const [address, version, service, method, message, request] = process.argv.slice(2);
const say = (o) => process.stdout.write(JSON.stringify(o) + '\n');
setTimeout(() => { say({ error: 'timeout' }); process.exit(2); }, 60000).unref();

(async () => {
  const reflection = new GrpcReflection(address, grpc.credentials.createInsecure(), {}, version);
  say({ services: (await reflection.listServices()).sort() });
  say({ methods: (await reflection.listMethods(service)).map((m) => m.name).sort() });
  const type = (await reflection.getDescriptorBySymbol(message)).getProtobufJsRoot().lookupType(message);
  say({ fields: Object.values(type.fields).map((f) => `${f.name}:${f.type}`) });

  const descriptor = await reflection.getDescriptorBySymbol(service);
  const root = descriptor.getPackageObject({ keepCase: true });
  const Client = service.split('.').reduce((o, part) => o[part], root);
  const client = new Client(address, grpc.credentials.createInsecure());
  client[method](JSON.parse(request), { deadline: Date.now() + 10000 }, (err, reply) => {
    say(err ? { error: err.code, details: err.details } : { reply });
    process.exit(0);
  });
})().catch((e) => { say({ error: String(e && e.message || e) }); process.exit(1); });
