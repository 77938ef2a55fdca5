// The part of IAM policies the services' keys need, with MinIO's and S3's meaning: a request is
// allowed when some Allow statement matches its action and resource and no Deny statement does.
'use strict';

/** "s3:Get*" or "arn:aws:s3:::input/*" as a regular expression ("*" any run, "?" one character). */
function wildcard(pattern) {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

const list = (value) => (Array.isArray(value) ? value : [value]);

/** A policy document as a function (action, resource) → allowed. Conditions are refused, not ignored. */
function compile(document) {
  const statements = list(document?.Statement ?? []).map((statement) => {
    if (statement.Condition || statement.NotAction || statement.NotResource || statement.Principal) {
      throw new Error('s3-standin: policies may use Effect, Action and Resource only');
    }
    if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') {
      throw new Error(`s3-standin: a statement's Effect must be Allow or Deny, not ${statement.Effect}`);
    }
    return {
      allow: statement.Effect === 'Allow',
      actions: list(statement.Action).map(wildcard),
      resources: list(statement.Resource).map(wildcard),
    };
  });
  return (action, resource) => {
    const matching = statements.filter(
      (s) => s.actions.some((a) => a.test(action)) && s.resources.some((r) => r.test(resource)));
    return matching.length > 0 && matching.every((s) => s.allow);
  };
}

/**
 * Every access key a request names, wherever s3rver might read one: the V4 header's Credential (with
 * spaces removed, as s3rver does), a V2 header ("AWS key:signature"), and the V4 and V2 query
 * parameters, repeated or not. The caller allows a request only when they all agree.
 */
function signingKeys(ctx) {
  const keys = [];
  const header = (ctx.headers.authorization || '').replace(/\s+/g, ' ');
  for (const match of header.replace(/ /g, '').matchAll(/Credential=([^/,]*)/g)) keys.push(match[1]);
  const v2 = /^AWS ([^:]*):/i.exec(header);
  if (v2) keys.push(v2[1]);
  for (const name of ['X-Amz-Credential', 'x-amz-credential', 'AWSAccessKeyId']) {
    for (const value of [].concat(ctx.query[name] ?? [])) keys.push(String(value).split('/')[0]);
  }
  return keys;
}

/**
 * Whether a key as s3rver stores it is a safe object name. s3rver joins keys into file paths, so a
 * "." or ".." segment would reach another bucket or leave the data directory; MinIO refuses such
 * names too, as it does empty segments, backslashes and NUL.
 */
function isSafeKey(key) {
  return !/[\\\0]/.test(key) && key.split('/').every((segment, index, all) =>
    segment !== '.' && segment !== '..' && (segment !== '' || index === all.length - 1));
}

/** The S3 action and resource ARN of a path-style request, as IAM names them. */
function describe(ctx) {
  const [bucket = '', ...rest] = ctx.path.replace(/^\//, '').split('/');
  const key = decodeURIComponent(rest.join('/'));
  if (!isSafeKey(key)) return { action: 's3:Invalid', resource: `arn:aws:s3:::${bucket}/${key}`, invalid: true };
  const q = ctx.query;
  const method = ctx.method;
  if (!bucket) {
    return { action: 's3:ListAllMyBuckets', resource: 'arn:aws:s3:::*' };
  }
  if (!key) {
    const resource = `arn:aws:s3:::${bucket}`;
    // The keys of a batch delete are in its body, unchecked here: only the root key may send one.
    if (method === 'POST' && 'delete' in q) return { action: 's3:DeleteObject', resource: `${resource}/*`, rootOnly: true };
    if ('cors' in q) return { action: method === 'GET' ? 's3:GetBucketCORS' : 's3:PutBucketCORS', resource };
    if ('location' in q) return { action: 's3:GetBucketLocation', resource };
    if ('uploads' in q) return { action: 's3:ListBucketMultipartUploads', resource };
    const bucketActions = { GET: 's3:ListBucket', HEAD: 's3:ListBucket', PUT: 's3:CreateBucket', DELETE: 's3:DeleteBucket' };
    return { action: bucketActions[method] ?? `s3:Unknown${method}`, resource };
  }
  const resource = `arn:aws:s3:::${bucket}/${key}`;
  if ('uploadId' in q) {
    if (method === 'DELETE') return { action: 's3:AbortMultipartUpload', resource };
    if (method === 'GET') return { action: 's3:ListMultipartUploadParts', resource };
    return { action: 's3:PutObject', resource };
  }
  // No service copies objects: a copy (whole or part, its source in a header or the query) needs the root key.
  if (ctx.headers['x-amz-copy-source'] !== undefined || ctx.query['x-amz-copy-source'] !== undefined ||
      ctx.query['X-Amz-Copy-Source'] !== undefined) {
    return { action: 's3:PutObject', resource, rootOnly: true };
  }
  const objectActions = { GET: 's3:GetObject', HEAD: 's3:GetObject', PUT: 's3:PutObject', POST: 's3:PutObject', DELETE: 's3:DeleteObject' };
  return { action: objectActions[method] ?? `s3:Unknown${method}`, resource };
}

module.exports = { compile, signingKeys, isSafeKey, describe };
