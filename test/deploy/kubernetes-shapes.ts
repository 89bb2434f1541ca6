/**
 * The parts of Kubernetes objects the deployment tests read. The vendored JSON schemas check
 * the full shape first; these types only spare the tests from casting at every step.
 */

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
}

export interface HttpProbe {
  httpGet?: { path: string; port: number | string };
  periodSeconds?: number;
  failureThreshold?: number;
}

export interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  livenessProbe?: HttpProbe;
  readinessProbe?: HttpProbe;
  startupProbe?: HttpProbe;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean; runAsNonRoot?: boolean; runAsUser?: number };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean; subPath?: string }[];
}

export interface Volume {
  name: string;
  emptyDir?: { medium?: string; sizeLimit?: string };
  configMap?: { name: string };
  persistentVolumeClaim?: { claimName: string };
}

export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface PodSpec {
  containers: Container[];
  volumes?: Volume[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; runAsGroup?: number; fsGroup?: number };
  terminationGracePeriodSeconds?: number;
  enableServiceLinks?: boolean;
  dnsConfig?: { options?: { name: string; value?: string }[] };
  affinity?: {
    podAntiAffinity?: {
      preferredDuringSchedulingIgnoredDuringExecution?: {
        weight: number;
        podAffinityTerm: { topologyKey: string; labelSelector: { matchLabels?: Record<string, string>; matchExpressions?: LabelSelectorRequirement[] } };
      }[];
    };
  };
}

export interface DeploymentSpec {
  replicas: number;
  selector: { matchLabels: Record<string, string> };
  strategy: { type: string; rollingUpdate?: { maxSurge: number | string; maxUnavailable: number | string } };
  template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
}

/** Binary-SI or plain quantities as bytes (`2Gi`, `512Mi`, `1000`). */
export function quantityBytes(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti)?$/.exec(quantity);
  if (!match) throw new Error(`unsupported quantity ${quantity}`);
  const power = { Ki: 1, Mi: 2, Gi: 3, Ti: 4 }[match[2] ?? ''] ?? 0;
  return Number(match[1]) * 1024 ** power;
}

/** CPU quantities as cores (`2000m` → 2, `1.5` → 1.5). */
export function quantityCores(quantity: string): number {
  return quantity.endsWith('m') ? Number(quantity.slice(0, -1)) / 1000 : Number(quantity);
}

/** Does a label selector (matchLabels and matchExpressions In/NotIn/Exists) select `labels`? */
export function selects(
  selector: { matchLabels?: Record<string, string>; matchExpressions?: LabelSelectorRequirement[] },
  labels: Record<string, string>,
): boolean {
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  const byExpression = (selector.matchExpressions ?? []).every((requirement) => {
    const value = labels[requirement.key];
    switch (requirement.operator) {
      case 'In':
        return value !== undefined && (requirement.values ?? []).includes(value);
      case 'NotIn':
        return value === undefined || !(requirement.values ?? []).includes(value);
      case 'Exists':
        return value !== undefined;
      case 'DoesNotExist':
        return value === undefined;
      default:
        return false;
    }
  });
  const empty = Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
  return !empty && byLabel && byExpression;
}
