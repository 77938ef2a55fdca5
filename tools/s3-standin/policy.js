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

/** The access key a request is signed with (V4 header or query, V2 query), or undefined. */
function signingKey(ctx) {
  const header = /Credential=([^/,\s]+)\//.exec(ctx.headers.authorization || '');
  const query = ctx.query['X-Amz-Credential'];
  return header?.[1] ?? (typeof query === 'string' ? query.split('/')[0] : undefined) ?? ctx.query.AWSAccessKeyId;
}

/** The S3 action and resource ARN of a path-style request, as IAM names them. */
function describe(ctx) {
  const [bucket = '', ...rest] = ctx.path.replace(/^\//, '').split('/');
  const key = decodeURIComponent(rest.join('/'));
  const q = ctx.query;
  const method = ctx.method;
  if (!bucket) {
    return { action: 's3:ListAllMyBuckets', resource: 'arn:aws:s3:::*' };
  }
  if (!key) {
    const resource = `arn:aws:s3:::${bucket}`;
    if (method === 'POST' && 'delete' in q) return { action: 's3:DeleteObject', resource: `${resource}/*` };
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
  const source = ctx.headers['x-amz-copy-source'];
  if (method === 'PUT' && source) {
    // A copy writes its target and reads its source, as in S3.
    return { action: 's3:PutObject', resource, reads: `arn:aws:s3:::${decodeURIComponent(source).replace(/^\//, '').split('?')[0]}` };
  }
  const objectActions = { GET: 's3:GetObject', HEAD: 's3:GetObject', PUT: 's3:PutObject', POST: 's3:PutObject', DELETE: 's3:DeleteObject' };
  return { action: objectActions[method] ?? `s3:Unknown${method}`, resource };
}

module.exports = { compile, signingKey, describe };
