// Validates rendered manifests (multi-document YAML on stdin, as `kubectl kustomize` prints them)
// against the Kubernetes and KEDA schemas, offline. Prints one line per invalid object; exit 1 if any.
import YAML from 'yaml';

// apiVersion → the module of its models: "apps/v1" → kubernetes-models/apps/v1, "v1" → kubernetes-models/v1.
async function model(apiVersion, kind) {
  const module = apiVersion.includes('keda.sh/')
    ? await import(`@kubernetes-models/keda/${apiVersion}`)
    : await import(`kubernetes-models/${apiVersion}`);
  return module[kind];
}

let input = '';
for await (const chunk of process.stdin) input += chunk;

const problems = [];
let checked = 0;
for (const document of YAML.parseAllDocuments(input)) {
  const object = document.toJS();
  if (!object) continue;
  const name = `${object.kind}/${object.metadata?.name}`;
  // kustomize folds a Secret's base64 at 70 columns; the API server's decoder (Go's base64) skips the line breaks.
  if (object.kind === 'Secret' && object.data) {
    for (const key of Object.keys(object.data)) object.data[key] = String(object.data[key]).replace(/[\r\n]/g, '');
  }
  const Model = await model(object.apiVersion, object.kind).catch(() => undefined);
  if (!Model) {
    problems.push(`${name}: no schema for ${object.apiVersion} ${object.kind}`);
    continue;
  }
  try {
    new Model(object).validate();
    checked++;
  } catch (error) {
    problems.push(`${name}: ${error.message}`);
  }
}
for (const problem of problems) console.log(problem);
console.log(`${checked} objects valid, ${problems.length} invalid`);
process.exit(problems.length === 0 && checked > 0 ? 0 : 1);
