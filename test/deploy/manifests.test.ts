import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../../src/app/config/config-error.js';
import { parseConfigText } from '../../src/app/config/load-config.js';
import { createKubernetesValidator } from './kubernetes-schemas.js';
import { quantityBytes, quantityCores, selects, type Container, type DeploymentSpec, type PodSpec } from './kubernetes-shapes.js';
import {
  DEPLOY_DIR,
  KUBERNETES_DIR,
  findObject,
  hasKubectl,
  isManifestFile,
  kustomize,
  readManifests,
  yamlFilesUnder,
  type KubernetesObject,
} from './manifest-files.js';

const validator = createKubernetesValidator();
const manifestFiles = yamlFilesUnder(KUBERNETES_DIR).filter(isManifestFile);
const manifests = readManifests(manifestFiles);
const BASE_DIR = join(KUBERNETES_DIR, 'base');

const deployment = findObject(manifests, 'Deployment', 'fortitude');
const deploymentSpec = deployment.spec as unknown as DeploymentSpec;
const pod: PodSpec = deploymentSpec.template.spec;
const podLabels = deploymentSpec.template.metadata.labels;
const container: Container = pod.containers[0]!;
const env = new Map((container.env ?? []).map((variable) => [variable.name, variable]));
const fortitudeYaml = findObject(manifests, 'ConfigMap', 'fortitude-config').data?.['fortitude.yaml'] ?? '';

/** What the pod's config loader sees: the file, the Deployment's literal env and its secrets. */
function podEnvironment(): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {
    DATABASE_URL: 'postgres://fortitude:secret@postgres:5432/fortitude',
    REDIS_URL: 'redis://:secret@redis-0:6379,redis://:secret@redis-1:6379',
  };
  for (const variable of env.values()) if (variable.value !== undefined) environment[variable.name] = variable.value;
  return environment;
}

function postgresSetting(name: string): number {
  const text = readFileSync(join(DEPLOY_DIR, 'postgresql', 'postgresql.conf'), 'utf8');
  const match = new RegExp(`^${name}\\s*=\\s*'?(\\d+)'?`, 'm').exec(text);
  if (!match) throw new Error(`${name} not set in postgresql.conf`);
  return Number(match[1]);
}

describe('the vendored Kubernetes schemas', () => {
  it('cover every kind the manifests use', () => {
    expect(manifests.length).toBeGreaterThanOrEqual(10);
    for (const { object } of manifests) expect(validator.kinds).toContain(`${object.apiVersion}/${object.kind}`);
  });

  it('reject a misspelt field, a wrong type and a missing required field', () => {
    const broken = structuredClone(deployment) as KubernetesObject & { spec: DeploymentSpec & Record<string, unknown> };
    broken.spec.replicaz = 3;
    expect(validator.validate(broken).join('\n')).toContain('"replicaz"');

    const wrongType = structuredClone(deployment) as KubernetesObject & { spec: Record<string, unknown> };
    wrongType.spec.replicas = 'six';
    expect(validator.validate(wrongType).join('\n')).toMatch(/\/spec\/replicas must be integer/);

    const nameless = structuredClone(deployment) as KubernetesObject & { spec: DeploymentSpec };
    delete (nameless.spec.template.spec.containers[0] as Partial<Container>).name;
    expect(validator.validate(nameless).join('\n')).toMatch(/must have required property 'name'/);

    const badQuantity = structuredClone(deployment) as KubernetesObject & { spec: DeploymentSpec };
    badQuantity.spec.template.spec.containers[0]!.resources.limits.memory = '4 gigabytes';
    expect(validator.validate(badQuantity).join('\n')).toMatch(/\/resources\/limits\/memory/);
  });
});

describe('every manifest validates against the Kubernetes 1.27 schemas', () => {
  it.each(manifests.map((manifest) => [`${manifest.file} ${manifest.object.kind}/${manifest.object.metadata.name}`, manifest.object] as const))(
    '%s',
    (_, object) => {
      expect(validator.validate(object)).toEqual([]);
    },
  );
});

describe('kustomizations', () => {
  it('base lists every manifest in base/ and nothing else', () => {
    const kustomization = parseYaml(readFileSync(join(BASE_DIR, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
    const present = readdirSync(BASE_DIR).filter((name) => name.endsWith('.yaml') && name !== 'kustomization.yaml');
    expect([...kustomization.resources].sort()).toEqual(present.sort());
  });

  it('keep the Secret template and the cluster-scoped StorageClass out of every kustomization', () => {
    const kustomizations = yamlFilesUnder(KUBERNETES_DIR).filter((path) => path.endsWith('/kustomization.yaml'));
    for (const path of kustomizations) {
      const text = readFileSync(path, 'utf8').replace(/^\s*#.*$/gm, '');
      expect(text).not.toContain('secret.template.yaml');
      expect(text).not.toContain('storageclass.yaml');
    }
  });

  it.skipIf(!hasKubectl())('render with kubectl kustomize and still validate (base and single-node)', () => {
    const base = kustomize(BASE_DIR);
    expect(base.map((object) => object.kind).sort()).toEqual(
      ['ConfigMap', 'ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'NetworkPolicy', 'PodDisruptionBudget', 'Service'].sort(),
    );
    for (const object of base) expect(validator.validate(object), `${object.kind}/${object.metadata.name}`).toEqual([]);
    for (const object of base) expect(object.metadata.labels?.['app.kubernetes.io/part-of']).toBe('fortitude');

    const single = kustomize(join(KUBERNETES_DIR, 'single-node'));
    for (const object of single) expect(validator.validate(object), `${object.kind}/${object.metadata.name}`).toEqual([]);
    expect(single.some((object) => object.kind === 'HorizontalPodAutoscaler')).toBe(false);
    const singleSpec = findObject(single.map((object) => ({ file: 'single-node', object })), 'Deployment').spec as unknown as DeploymentSpec;
    expect(singleSpec.replicas).toBe(1);
    expect(singleSpec.strategy).toEqual({ type: 'Recreate' });
    const claim = findObject(single.map((object) => ({ file: 'single-node', object })), 'PersistentVolumeClaim');
    const stateVolume = singleSpec.template.spec.volumes?.find((volume) => volume.persistentVolumeClaim?.claimName === claim.metadata.name);
    expect(stateVolume).toBeDefined();
    const mounts = singleSpec.template.spec.containers[0]!.volumeMounts ?? [];
    expect(mounts.filter((mount) => mount.name === stateVolume!.name).map((mount) => mount.mountPath).sort()).toEqual(['/var/cache/fortitude', '/var/lib/fortitude']);
    const database = singleSpec.template.spec.containers[0]!.env?.find((variable) => variable.name === 'DATABASE_URL');
    expect(database?.valueFrom?.secretKeyRef?.optional).toBe(true);
  });
});

describe('Deployment', () => {
  it('rolls out with maxSurge 2 and maxUnavailable 0 over the seed’s 6 replicas', () => {
    expect(deploymentSpec.replicas).toBe(6);
    expect(deploymentSpec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 2, maxUnavailable: 0 } });
    expect(selects(deploymentSpec.selector, podLabels)).toBe(true);
    expect(podLabels.app).toBe('fortitude');
  });

  it('probes /api/health (liveness, startup) and /api/health/ready (readiness) on the serving port', () => {
    expect(container.livenessProbe?.httpGet?.path).toBe('/api/health');
    expect(container.startupProbe?.httpGet?.path).toBe('/api/health');
    expect(container.readinessProbe?.httpGet?.path).toBe('/api/health/ready');
    for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) {
      const port = container.ports?.find((candidate) => candidate.name === probe?.httpGet?.port || candidate.containerPort === probe?.httpGet?.port);
      expect(port?.containerPort).toBe(8080);
    }
    expect(container.args).toEqual(['node', 'dist/main.js', 'serve']);
  });

  it('runs as uid 1000 on a read-only root filesystem, every written path on a volume', () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000 });
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    const config = parseConfigText(fortitudeYaml, { env: podEnvironment() });
    const mounted = (path: string) =>
      (container.volumeMounts ?? []).some((mount) => !mount.readOnly && (path === mount.mountPath || path.startsWith(`${mount.mountPath}/`)));
    for (const path of ['/tmp', config.data_dir, config.caching.levels.disk.path ?? '', config.research.reference_library_dir]) {
      expect(mounted(path), path).toBe(true);
    }
  });

  it('keeps /tmp on tmpfs and the disk cache below its volume’s size limit', () => {
    const volume = (mountPath: string) => {
      const name = container.volumeMounts?.find((mount) => mount.mountPath === mountPath)?.name;
      return pod.volumes?.find((candidate) => candidate.name === name);
    };
    expect(volume('/tmp')?.emptyDir?.medium).toBe('Memory');
    const config = parseConfigText(fortitudeYaml, { env: podEnvironment() });
    const cache = volume(config.caching.levels.disk.path ?? '');
    expect(cache?.emptyDir?.sizeLimit).toBeDefined();
    expect(config.caching.levels.disk.max_size_mb * 1024 ** 2).toBeLessThan(quantityBytes(cache!.emptyDir!.sizeLimit!));
  });

  it('spreads pods across nodes with the seed’s preferred anti-affinity', () => {
    const terms = pod.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    expect(terms).toHaveLength(1);
    expect(terms[0]!.weight).toBe(100);
    expect(terms[0]!.podAffinityTerm.topologyKey).toBe('kubernetes.io/hostname');
    expect(selects(terms[0]!.podAffinityTerm.labelSelector, podLabels)).toBe(true);
  });

  it('has the seed’s resources, one worker per CPU-limit core and MALLOC_ARENA_MAX=2', () => {
    expect(container.resources).toEqual({ requests: { cpu: '1000m', memory: '2Gi' }, limits: { cpu: '2000m', memory: '4Gi' } });
    const cores = quantityCores(container.resources.limits.cpu!);
    expect(Number(env.get('FORTITUDE_WORKERS')?.value)).toBe(cores);
    expect(parseConfigText(fortitudeYaml).server.workers).toBe(cores);
    expect(env.get('MALLOC_ARENA_MAX')?.value).toBe('2');
    expect(env.get('NODE_ENV')?.value).toBe('production');
  });

  it('takes secrets from the Secret the template describes; shared state is required', () => {
    const template = findObject(manifests, 'Secret', 'fortitude-secrets');
    const keys = Object.keys(template.stringData ?? {});
    const fromSecrets = [...env.values()].filter((variable) => variable.valueFrom?.secretKeyRef);
    expect(fromSecrets.map((variable) => variable.name).sort()).toEqual(['ANTHROPIC_API_KEY', 'DATABASE_URL', 'GEMINI_API_KEY', 'OPENAI_API_KEY', 'REDIS_URL']);
    for (const variable of fromSecrets) {
      expect(variable.valueFrom?.secretKeyRef?.name).toBe(template.metadata.name);
      expect(keys).toContain(variable.valueFrom?.secretKeyRef?.key);
    }
    expect(env.get('DATABASE_URL')?.valueFrom?.secretKeyRef?.optional).toBeUndefined();
    expect(env.get('REDIS_URL')?.valueFrom?.secretKeyRef?.optional).toBeUndefined();
    expect(Object.values(template.stringData ?? {}).every((value) => value === '')).toBe(true);
  });

  it('lets the endpoint go before SIGTERM and the drain finish before SIGKILL', () => {
    const command = container.lifecycle?.preStop?.exec?.command ?? [];
    expect(command[0]).toBe('sleep');
    const preStopSeconds = Number(command[1]);
    expect(preStopSeconds).toBeGreaterThan(0);
    const shutdownSeconds = parseConfigText(fortitudeYaml).server.shutdown_timeout;
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(preStopSeconds + shutdownSeconds);
  });

  it('turns service links off (they would set FORTITUDE_PORT=tcp://…) and sets ndots 2', () => {
    expect(pod.enableServiceLinks).toBe(false);
    expect(pod.dnsConfig?.options).toContainEqual({ name: 'ndots', value: '2' });
    expect(container.image).not.toMatch(/:latest$|^[^:]+$/);
  });
});

describe('objects that point at the Deployment’s pods', () => {
  it('Service selects the pods, targets the serving port and keeps ClientIP affinity', () => {
    const service = findObject(manifests, 'Service', 'fortitude').spec as {
      selector: Record<string, string>;
      sessionAffinity: string;
      ports: { targetPort: number | string }[];
    };
    expect(selects({ matchLabels: service.selector }, podLabels)).toBe(true);
    expect(service.sessionAffinity).toBe('ClientIP');
    const target = service.ports[0]!.targetPort;
    expect(container.ports?.find((port) => port.name === target || port.containerPort === target)?.containerPort).toBe(8080);
  });

  it('NetworkPolicy selects the pods: ingress 8080 only; egress DNS, PostgreSQL, Redis, HTTPS only', () => {
    const policy = findObject(manifests, 'NetworkPolicy', 'fortitude').spec as {
      podSelector: { matchLabels: Record<string, string> };
      policyTypes: string[];
      ingress: { ports: { protocol: string; port: number }[] }[];
      egress: { to?: unknown[]; ports?: { protocol: string; port: number }[] }[];
    };
    expect(selects(policy.podSelector, podLabels)).toBe(true);
    expect(policy.policyTypes.sort()).toEqual(['Egress', 'Ingress']);
    expect(policy.ingress.flatMap((rule) => rule.ports)).toEqual([{ protocol: 'TCP', port: 8080 }]);
    // Every egress rule names its ports: no rule opens every port (the seed's `to: []`).
    for (const rule of policy.egress) expect(rule.ports?.length ?? 0).toBeGreaterThan(0);
    const ports = policy.egress.flatMap((rule) => rule.ports ?? []).map((port) => `${port.protocol}/${port.port}`);
    expect(ports.sort()).toEqual(['TCP/443', 'TCP/53', 'TCP/5432', 'TCP/6379', 'UDP/53'].sort());
  });

  it('HorizontalPodAutoscaler (autoscaling/v2) scales the Deployment on CPU and memory with stabilisation', () => {
    const hpa = findObject(manifests, 'HorizontalPodAutoscaler', 'fortitude');
    const spec = hpa.spec as {
      scaleTargetRef: { kind: string; name: string };
      minReplicas: number;
      maxReplicas: number;
      metrics: { resource: { name: string } }[];
      behavior: { scaleUp: { stabilizationWindowSeconds: number }; scaleDown: { stabilizationWindowSeconds: number } };
    };
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: deployment.metadata.name });
    expect(spec.minReplicas).toBe(deploymentSpec.replicas);
    expect(spec.maxReplicas).toBeGreaterThan(spec.minReplicas);
    expect(spec.metrics.map((metric) => metric.resource.name).sort()).toEqual(['cpu', 'memory']);
    expect(spec.behavior.scaleDown.stabilizationWindowSeconds).toBeGreaterThanOrEqual(300);
    expect(spec.behavior.scaleUp.stabilizationWindowSeconds).toBeGreaterThan(0);
  });

  it('PodDisruptionBudget selects the pods', () => {
    const pdb = findObject(manifests, 'PodDisruptionBudget', 'fortitude').spec as { selector: { matchLabels: Record<string, string> } };
    expect(selects(pdb.selector, podLabels)).toBe(true);
  });

  it('PostgreSQL max_connections covers every worker’s pool at the autoscaler’s ceiling', () => {
    const maxReplicas = (findObject(manifests, 'HorizontalPodAutoscaler').spec as { maxReplicas: number }).maxReplicas;
    const config = parseConfigText(fortitudeYaml, { env: podEnvironment() });
    const fortitudeConnections = maxReplicas * config.server.workers * config.database.pool_size;
    const headroom = postgresSetting('superuser_reserved_connections') + 20; // migrations, backups, psql
    expect(fortitudeConnections + headroom).toBeLessThanOrEqual(postgresSetting('max_connections'));
  });
});

describe('ConfigMap fortitude.yaml', () => {
  it('validates with Fortitude’s own config loader, alone and with the pod’s environment', () => {
    const alone = parseConfigText(fortitudeYaml);
    const inPod = parseConfigText(fortitudeYaml, { env: podEnvironment() });
    expect(inPod.database.url).toMatch(/^postgres:\/\//);
    expect(inPod.redis.url).toContain(',');
    expect(alone.caching.levels.redis.cluster_mode).toBe(true);
    expect(alone.server.auth.mode).toBe('required');
    expect(alone.simulator.mode).toBe('never');
    expect(Object.keys(alone.providers).sort()).toEqual(['claude', 'gemini', 'openai']);
    expect(alone.monitoring.alerts.map((alert) => alert.name)).toEqual([
      'SLA Violation - API Response Time',
      'SLA Violation - Error Rate',
      'Performance Degradation',
    ]);
    expect(alone.sla_targets.api_response_time.p95).toBe(200);
    expect(alone.cost_management.budget_controls.actions['100_percent']).toBe('emergency_stop');
  });

  it('is checked for real: a misspelt key is refused', () => {
    expect(fortitudeYaml).toContain('pool_size:');
    expect(() => parseConfigText(fortitudeYaml.replace('pool_size:', 'pool_sise:'))).toThrow(ConfigError);
  });
});
