import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

/** `apiVersion/kind` → vendored schema (see schemas/README.md for where they come from). */
export const SCHEMA_FILES: Readonly<Record<string, string>> = {
  'apps/v1/Deployment': 'deployment-apps-v1.json',
  'v1/Service': 'service-v1.json',
  'networking.k8s.io/v1/NetworkPolicy': 'networkpolicy-networking-v1.json',
  'storage.k8s.io/v1/StorageClass': 'storageclass-storage-v1.json',
  'v1/PersistentVolumeClaim': 'persistentvolumeclaim-v1.json',
  'autoscaling/v2/HorizontalPodAutoscaler': 'horizontalpodautoscaler-autoscaling-v2.json',
  'v1/ConfigMap': 'configmap-v1.json',
  'v1/Secret': 'secret-v1.json',
  'policy/v1/PodDisruptionBudget': 'poddisruptionbudget-policy-v1.json',
};

const SCHEMA_DIR = new URL('./schemas/', import.meta.url);

const INT32 = 2 ** 31;
// k8s.io/apimachinery/pkg/api/resource: <signed number><binary SI | decimal SI | exponent>
const QUANTITY = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[KMGTPE]i|[numkMGTPE]|[eE][+-]?\d+)?$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i;

type SchemaNode = Record<string, unknown>;

function isNode(value: unknown): value is SchemaNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Closes every object schema that lists its properties, the way `kubectl --validate=strict`
 * and kubeconform `-strict` do: an unknown (usually misspelt) field becomes an error instead
 * of being dropped by the API server. Walks schema positions only, never property names.
 */
export function closeObjects(node: unknown): void {
  if (!isNode(node)) return;
  if (isNode(node.properties) && node.additionalProperties === undefined) node.additionalProperties = false;
  for (const key of ['properties', 'definitions'] as const) {
    const children = node[key];
    if (isNode(children)) for (const child of Object.values(children)) closeObjects(child);
  }
  for (const key of ['items', 'additionalProperties'] as const) closeObjects(node[key]);
  for (const key of ['oneOf', 'anyOf', 'allOf'] as const) {
    const branches = node[key];
    if (Array.isArray(branches)) for (const branch of branches) closeObjects(branch);
  }
}

function createAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strictTypes: false });
  ajv.addFormat('int32', { type: 'number', validate: (value: number) => Number.isInteger(value) && value >= -INT32 && value < INT32 });
  ajv.addFormat('int64', { type: 'number', validate: (value: number) => Number.isInteger(value) });
  ajv.addFormat('quantity', { type: 'string', validate: QUANTITY });
  ajv.addFormat('byte', { type: 'string', validate: BASE64 });
  ajv.addFormat('date-time', { type: 'string', validate: (value: string) => DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)) });
  return ajv;
}

/** Drops the noise of the schemas' `oneOf: [{$ref}, {type: null}]` nullable pattern. */
function explain(errors: readonly ErrorObject[]): string[] {
  return errors
    .filter((error) => error.keyword !== 'oneOf' && !(error.keyword === 'type' && error.params.type === 'null'))
    .map((error) => {
      const extra = error.keyword === 'additionalProperties' ? ` "${String(error.params.additionalProperty)}"` : '';
      return `${error.instancePath || '/'} ${error.message ?? error.keyword}${extra}`;
    });
}

export interface KubernetesValidator {
  /** Kinds this validator knows, as `apiVersion/kind`. */
  readonly kinds: readonly string[];
  /** Problems with `document`; empty when it is valid. Unknown kinds are a problem too. */
  validate(document: unknown): string[];
}

export function createKubernetesValidator(options: { strict?: boolean } = {}): KubernetesValidator {
  const ajv = createAjv();
  const validators = new Map<string, ValidateFunction>();
  for (const [kind, file] of Object.entries(SCHEMA_FILES)) {
    const schema = JSON.parse(readFileSync(new URL(file, SCHEMA_DIR), 'utf8')) as SchemaNode;
    if (options.strict !== false) closeObjects(schema);
    validators.set(kind, ajv.compile(schema));
  }
  return {
    kinds: [...validators.keys()],
    validate(document) {
      if (!isNode(document)) return ['document is not a mapping'];
      const kind = `${String(document.apiVersion)}/${String(document.kind)}`;
      const validator = validators.get(kind);
      if (!validator) return [`no vendored schema for ${kind}`];
      if (validator(document)) return [];
      const problems = explain(validator.errors ?? []);
      return problems.length > 0 ? problems : ['invalid (no detail)'];
    },
  };
}
