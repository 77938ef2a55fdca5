// Bucket notifications for the stand-in, as MinIO's AMQP target sends them: each object created in a
// notified bucket is published to RabbitMQ as MinIO's event JSON ({EventName, Key, Records}), through
// a durable direct exchange, persistent, with publisher confirms. The API starts a job from it the
// moment its upload lands.
'use strict';

const { AsyncLocalStorage } = require('node:async_hooks');
const amqp = require('amqplib');

// A PUT is answered once the broker confirmed its event, or after this long at most: the object is
// stored either way, and an event the broker did not take yet is sent again until it does.
const ANSWER_WAIT_MS = 2000;
const RETRY_INTERVAL_MS = 1000;
const CONNECT_TIMEOUT_MS = 5000;
// Held in memory while the broker is away; past this the oldest are dropped (and said so). The API's
// safety nets (POST /jobs and the sweeper ask storage) still find such an upload.
const MAX_WAITING = 10000;

/**
 * @param {object} options
 * @param {string} options.url amqp://user:password@host:port of the storage's own broker user
 * @param {string} options.exchange
 * @param {string} options.routingKey
 * @param {string[]} options.buckets the buckets whose created objects are announced
 */
function createNotifier({ url, exchange, routingKey, buckets }) {
  const requests = new AsyncLocalStorage();
  const waiting = [];
  let connection = null;
  let channel = null;
  let connecting = null;
  let retrying = false;

  async function open() {
    // Opened outside any request's context, so no request is kept alive by the connection's callbacks.
    const opened = await requests.exit(() => amqp.connect(url, {
      timeout: CONNECT_TIMEOUT_MS, clientProperties: { connection_name: 's3-standin notifications' },
    }));
    try {
      opened.on('error', () => {}); // 'close' follows
      opened.on('close', () => {
        if (connection === opened) {
          connection = null;
          channel = null;
        }
      });
      const confirming = await opened.createConfirmChannel();
      confirming.on('error', () => {});
      confirming.on('close', () => {
        if (channel === confirming) channel = null;
      });
      // Declared before use exactly as MinIO declares it (and as the API does): same type and flags.
      await confirming.assertExchange(exchange, 'direct', { durable: true, autoDelete: false, internal: false });
      return { opened, confirming };
    } catch (err) {
      await opened.close().catch(() => {});
      throw err;
    }
  }

  async function ready() {
    if (channel) return channel;
    connecting ??= (async () => {
      // A channel the broker closed on a live connection: the connection goes with it, and both are opened anew.
      const stale = connection;
      connection = null;
      if (stale) await stale.close().catch(() => {});
      const { opened, confirming } = await open();
      connection = opened;
      channel = confirming;
      return confirming;
    })().finally(() => { connecting = null; });
    return connecting;
  }

  async function publish(message) {
    const target = await ready();
    await new Promise((resolve, reject) => {
      target.publish(exchange, routingKey, message.body, message.properties, (err) => (err ? reject(err) : resolve()));
    });
  }

  function keep(message, err) {
    if (waiting.length >= MAX_WAITING) {
      const dropped = waiting.shift();
      console.error(`s3-standin: notification queue full; dropped the event of ${dropped.properties.messageId}`);
    }
    if (!message.kept) {
      console.error(`s3-standin: the event of ${message.properties.messageId} is not published yet (${err.message}); retrying`);
      message.kept = true;
    }
    waiting.push(message);
  }

  async function send(message) {
    if (waiting.length > 0) {
      keep(message, new Error('earlier events are still waiting for the broker'));
      return;
    }
    try {
      await publish(message);
    } catch (err) {
      keep(message, err);
    }
  }

  // Events kept while the broker was away go out in order, one round at a time; a round stops at the first failure.
  const retry = setInterval(async () => {
    if (retrying || waiting.length === 0) return;
    retrying = true;
    try {
      while (waiting.length > 0) {
        const head = waiting[0];
        // eslint-disable-next-line no-await-in-loop -- in order, one at a time
        await publish(head);
        // Removed by identity: should the cap have dropped it meanwhile (keep), the next event is not sent yet.
        const at = waiting.indexOf(head);
        if (at >= 0) waiting.splice(at, 1);
      }
    } catch {
      // Still away: the rest waits for the next round.
    } finally {
      retrying = false;
    }
  }, RETRY_INTERVAL_MS);
  retry.unref();

  // s3rver emits its event synchronously inside the request, so the request's store is at hand here.
  function onEvent(event) {
    for (const record of event.Records || []) {
      const message = toMinioMessage(record, requests.getStore()?.ctx);
      if (!message || !buckets.includes(record.s3.bucket.name)) continue;
      const sent = send(message);
      requests.getStore()?.pending.push(sent);
    }
  }

  // Outermost middleware: the answer to a PUT waits (briefly) for its event to be confirmed, so a client
  // that saw 200 knows the job is on its way.
  async function middleware(ctx, next) {
    const store = { ctx, pending: [] };
    await requests.run(store, next);
    if (store.pending.length) {
      let timer;
      await Promise.race([
        Promise.allSettled(store.pending),
        new Promise((resolve) => { timer = setTimeout(resolve, ANSWER_WAIT_MS); }),
      ]);
      clearTimeout(timer);
    }
  }

  return { onEvent, middleware, close: () => clearInterval(retry) };
}

/** The record in MinIO's form (its eventName, eventSource and query-escaped key), wrapped as MinIO's AMQP target wraps it. */
function toMinioMessage(record, ctx) {
  const match = /^ObjectCreated:(Put|Post|Copy)$/.exec(record.eventName || '');
  if (!match) return null;
  const kind = match[1] === 'Post' && ctx && 'uploadId' in ctx.query ? 'CompleteMultipartUpload' : match[1];
  const bucket = record.s3.bucket.name;
  const key = record.s3.object.key;
  const eventName = `s3:ObjectCreated:${kind}`;
  const minioRecord = {
    ...record,
    eventSource: 'minio:s3',
    eventName,
    s3: {
      ...record.s3,
      bucket: { ...record.s3.bucket, arn: `arn:aws:s3:::${bucket}` },
      object: { ...record.s3.object, key: queryEscape(key) },
    },
  };
  return {
    body: Buffer.from(JSON.stringify({ EventName: eventName, Key: `${bucket}/${key}`, Records: [minioRecord] })),
    properties: {
      persistent: true,
      contentType: 'application/json',
      messageId: `${bucket}/${key}:${record.s3.object.eTag || record.s3.object.sequencer}`,
      headers: { 'minio-bucket': bucket, 'minio-event': eventName },
    },
  };
}

/** Go's url.QueryEscape, which MinIO applies to keys: spaces become '+', and '~' stays as it is. */
function queryEscape(text) {
  return encodeURIComponent(text).replace(/%20/g, '+').replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

module.exports = { createNotifier, queryEscape };
