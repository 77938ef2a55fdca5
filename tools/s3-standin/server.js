// S3-compatible stand-in for machines that have neither MinIO nor a container runtime.
// It is started by the AppHost (and by tests) as a plain process; configuration comes from the environment.
'use strict';

const S3rver = require('@20minutes/s3rver');
const { DUMMY_ACCOUNT } = require('@20minutes/s3rver/lib/models/account');

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

const server = new S3rver({
  address,
  port,
  directory,
  silent: process.env.S3_VERBOSE !== 'true',
  // Path-style only: with virtual hosts on, a Host such as "storage" would be read as a bucket name.
  vhostBuckets: false,
  configureBuckets: buckets.map((name) => ({ name, configs: [corsXml] })),
});

server.run().then(
  ({ address: host, port: boundPort }) => console.log(`s3-standin listening on http://${host}:${boundPort} (buckets: ${buckets.join(', ') || 'none'})`),
  (err) => {
    console.error(`s3-standin: failed to start: ${err.message}`);
    process.exit(1);
  },
);

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close().finally(() => process.exit(0)));
}
