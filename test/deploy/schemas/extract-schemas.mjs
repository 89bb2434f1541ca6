// Regenerates the vendored Kubernetes JSON schemas in this folder from the npm package
// kubernetes-models (see README.md). Not run by the tests; run it by hand in a scratch copy:
//
//   mkdir -p /tmp/k8s-schemas && cd /tmp/k8s-schemas && npm init -y && npm install kubernetes-models@4.3.1
//   node <repo>/test/deploy/schemas/extract-schemas.mjs /tmp/k8s-schemas
//
// kubernetes-models 4.3.x registers each OpenAPI definition with Ajv under its id
// ("io.k8s.api.apps.v1.Deployment") and refers to others as "<id>#". This script loads the
// root kinds, walks their references and writes one self-contained draft-07 schema per kind,
// with every referenced definition under `definitions` and references rewritten to
// "#/definitions/<id>". The definitions themselves are copied unchanged.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE = 'kubernetes-models';
const KUBERNETES_VERSION = '1.27.1';

/** Output file name → [OpenAPI id, schema module under kubernetes-models/_schemas]. */
const ROOTS = {
  'deployment-apps-v1.json': ['io.k8s.api.apps.v1.Deployment', 'IoK8sApiAppsV1Deployment'],
  'service-v1.json': ['io.k8s.api.core.v1.Service', 'IoK8sApiCoreV1Service'],
  'networkpolicy-networking-v1.json': ['io.k8s.api.networking.v1.NetworkPolicy', 'IoK8sApiNetworkingV1NetworkPolicy'],
  'storageclass-storage-v1.json': ['io.k8s.api.storage.v1.StorageClass', 'IoK8sApiStorageV1StorageClass'],
  'persistentvolumeclaim-v1.json': ['io.k8s.api.core.v1.PersistentVolumeClaim', 'IoK8sApiCoreV1PersistentVolumeClaim'],
  'horizontalpodautoscaler-autoscaling-v2.json': ['io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler', 'IoK8sApiAutoscalingV2HorizontalPodAutoscaler'],
  'configmap-v1.json': ['io.k8s.api.core.v1.ConfigMap', 'IoK8sApiCoreV1ConfigMap'],
  'secret-v1.json': ['io.k8s.api.core.v1.Secret', 'IoK8sApiCoreV1Secret'],
  'poddisruptionbudget-policy-v1.json': ['io.k8s.api.policy.v1.PodDisruptionBudget', 'IoK8sApiPolicyV1PodDisruptionBudget'],
};

const scratch = resolve(process.argv[2] ?? '.');
const require = createRequire(join(scratch, 'package.json'));
// Every definition reaches Ajv through `addSchema(schema, id)`; record them on the way.
const Ajv = createRequire(require.resolve('@kubernetes-models/validate'))('ajv').default;
const registered = new Map();
const addSchema = Ajv.prototype.addSchema;
Ajv.prototype.addSchema = function (schema, key, ...rest) {
  if (typeof key === 'string') registered.set(key, schema);
  return addSchema.call(this, schema, key, ...rest);
};
// The package restricts deep imports through `exports`; load its files by path instead.
const packageDir = join(scratch, 'node_modules', PACKAGE);
const installed = require(join(packageDir, 'package.json')).version;
const outputDir = dirname(fileURLToPath(import.meta.url));

function rewriteRefs(value, found) {
  if (Array.isArray(value)) return value.map((item) => rewriteRefs(item, found));
  if (value === null || typeof value !== 'object') return value;
  const result = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === '$ref' && typeof item === 'string') {
      const id = item.replace(/#$/, '');
      found.add(id);
      result.$ref = `#/definitions/${id}`;
    } else {
      result[key] = rewriteRefs(item, found);
    }
  }
  return result;
}

for (const [file, [rootId, module]] of Object.entries(ROOTS)) {
  require(join(packageDir, '_schemas', `${module}.js`)).addSchema();
  const definitions = {};
  const pending = [rootId];
  while (pending.length > 0) {
    const id = pending.pop();
    if (definitions[id]) continue;
    const schema = registered.get(id);
    if (!schema) throw new Error(`${id} is not registered`);
    const found = new Set();
    definitions[id] = rewriteRefs(schema, found);
    for (const next of found) if (!definitions[next]) pending.push(next);
  }
  const sorted = Object.fromEntries(Object.keys(definitions).sort().map((id) => [id, definitions[id]]));
  const bundle = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: `https://fortitude.invalid/kubernetes-${KUBERNETES_VERSION}/${file}`,
    description: `${rootId} from Kubernetes ${KUBERNETES_VERSION} OpenAPI, via ${PACKAGE}@${installed}`,
    $ref: `#/definitions/${rootId}`,
    definitions: sorted,
  };
  writeFileSync(join(outputDir, file), JSON.stringify(bundle) + '\n');
  console.log(`${file}: ${Object.keys(sorted).length} definitions`);
}
