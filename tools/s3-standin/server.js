// S3-compatible stand-in for machines that have neither MinIO nor a container runtime.
// It is started by the AppHost (and by tests) as a plain process; configuration comes from the environment.
'use strict';

const S3rver = require('@20minutes/s3rver');
const { DUMMY_ACCOUNT } = require('@20minutes/s3rver/lib/models/account');
const policy = require('./policy');
const { createNotifier } = require('./notify');

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`s3-standin: environment variable ${name} is required`);
    process.exit(2);
  }
  return value;
}

const port = Number(required('S3_PORT'));
const address = process.env.S3_ADDRESS || '127.0.0.1';
const directory = required('S3_DIRECTORY');
const accessKey = required('S3_ACCESS_KEY');
const secretKey = required('S3_SECRET_KEY');
const buckets = (process.env.S3_BUCKETS || '').split(',').map((b) => b.trim()).filter(Boolean);
// Only the upload page's origins may call storage from a browser; '*' only when nothing is configured.
const corsOrigins = (process.env.S3_CORS_ORIGINS || '*').split(',').map((o) => o.trim()).filter(Boolean);

// Browsers upload with presigned PUTs and play results with ranged GETs, so both need CORS.
const corsXml = `<CORSConfiguration>
  <CORSRule>
    ${corsOrigins.map((o) => `<AllowedOrigin>${o}</AllowedOrigin>`).join('')}
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>HEAD</AllowedMethod>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <MaxAgeSeconds>3000</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>`;

// Only the configured credentials may sign requests: drop the well-known built-in pair.
DUMMY_ACCOUNT.revokeAccessKey('S3RVER');
DUMMY_ACCOUNT.createKeyPair(accessKey, secretKey);

// The services' own keys, each limited by an IAM-style policy as MinIO users are:
// S3_USERS='[{"accessKey": "...", "secretKey": "...", "policy": {"Statement": [...]}}]'.
// The root pair above may do anything; it is for operators and set-up, never for a service.
const users = new Map();
for (const user of JSON.parse(process.env.S3_USERS || '[]')) {
  if (!user.accessKey || !user.secretKey || user.accessKey === accessKey) {
    console.error('s3-standin: every entry of S3_USERS needs its own accessKey and a secretKey');
    process.exit(2);
  }
  DUMMY_ACCOUNT.createKeyPair(user.accessKey, user.secretKey);
  users.set(user.accessKey, policy.compile(user.policy));
}

const server = new S3rver({
  address,
  port,
  directory,
  silent: process.env.S3_VERBOSE !== 'true',
  // Path-style only: with virtual hosts on, a Host such as "storage" would be read as a bucket name.
  vhostBuckets: false,
  configureBuckets: buckets.map((name) => ({ name, configs: [corsXml] })),
});

// Like MinIO and S3, storage answers no anonymous request: an unsigned GET, PUT, DELETE or listing
// gets 403. Only CORS preflights (browsers send them without credentials) and MinIO's liveness
// path pass unsigned. Signatures themselves are verified by s3rver's own middleware further on.
const HEALTH_PATH = '/minio/health/live';
const ACCESS_DENIED = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>';
const isSigned = (ctx) => 'authorization' in ctx.headers || 'X-Amz-Algorithm' in ctx.query || 'Signature' in ctx.query;
// Koa composes its middleware when the server starts listening, so this runs first.
server.middleware.unshift(async (ctx, next) => {
  if ((ctx.method === 'GET' || ctx.method === 'HEAD') && ctx.path === HEALTH_PATH) {
    ctx.status = 200;
    return;
  }
  if (ctx.method === 'OPTIONS') {
    await next();
    return;
  }
  if (!isSigned(ctx)) {
    deny(ctx);
    return;
  }
  const { action, resource, invalid, rootOnly } = policy.describe(ctx);
  if (invalid) {
    ctx.status = 400;
    ctx.type = 'application/xml';
    ctx.body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>XMinioInvalidObjectName</Code><Message>Object name contains unsupported characters.</Message></Error>';
    return;
  }
  // Held to a policy before s3rver checks the signature, so fail closed: every key the request names
  // must be the same one; the root key may do anything, a service's key what its policy allows, and
  // anything else (an unknown key, keys that disagree, a service's V2 signature) is refused.
  const keys = [...new Set(policy.signingKeys(ctx))];
  const key = keys.length === 1 ? keys[0] : undefined;
  if (key !== accessKey) {
    const allowed = users.get(key);
    const v2 = /^AWS /i.test(ctx.headers.authorization || '') || 'Signature' in ctx.query;
    if (!allowed || v2 || rootOnly || !allowed(action, resource)) {
      console.error(`s3-standin: denied ${action} on ${resource} to ${keys.join(',') || 'no key'}`);
      deny(ctx);
      return;
    }
  }
  await next();
});

// Bucket notifications, as MinIO's AMQP target sends them (see notify.js); off without S3_NOTIFY_AMQP_URL.
const notifyUrl = process.env.S3_NOTIFY_AMQP_URL;
const notifier = notifyUrl
  ? createNotifier({
      url: notifyUrl,
      exchange: required('S3_NOTIFY_AMQP_EXCHANGE'),
      routingKey: required('S3_NOTIFY_AMQP_ROUTING_KEY'),
      buckets: required('S3_NOTIFY_BUCKETS').split(',').map((b) => b.trim()).filter(Boolean),
    })
  : null;
if (notifier) {
  server.on('event', notifier.onEvent);
  // Outermost of all, so the answer waits for the event of what the request stored.
  server.middleware.unshift(notifier.middleware);
}

function deny(ctx) {
  ctx.status = 403;
  ctx.type = 'application/xml';
  ctx.body = ACCESS_DENIED;
}

server.run().then(
  ({ address: host, port: boundPort }) => console.log(
    `s3-standin listening on http://${host}:${boundPort} (buckets: ${buckets.join(', ') || 'none'}; ` +
    `notifications: ${notifier ? `to ${process.env.S3_NOTIFY_AMQP_EXCHANGE} for ${process.env.S3_NOTIFY_BUCKETS}` : 'off'})`),
  (err) => {
    console.error(`s3-standin: failed to start: ${err.message}`);
    process.exit(1);
  },
);

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close().finally(() => process.exit(0)));
}
