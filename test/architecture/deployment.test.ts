/**
 * The deployment files, read as Docker and Kubernetes would read them: docker-compose.yml is valid
 * against the Compose Specification's JSON schema (the one Docker's own loader, compose-go, ships;
 * `npm test` fetches it: BILLOW_COMPOSE_SCHEMA), as a user without any variable set gets it; and
 * the choices docs/deployment.md promises hold (Temporal's ports on 127.0.0.1, workers and API
 * scalable, a stated number of history shards, Temporal's own server and admin-tools images).
 */
import fs from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { parse, parseAllDocuments } from 'yaml';

const root = path.resolve(__dirname, '../..');

/** Compose's variable interpolation (`${VAR}`, `${VAR:-default}`, `${VAR-default}`, `$$`) with the given environment. */
function interpolate(value: unknown, env: Record<string, string>): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}/g, (match, name: string | undefined, operator: string | undefined, fallback: string | undefined) => {
      if (match === '$$') return '$';
      const set = env[name!];
      if (operator === ':-') return set ? set : fallback!;
      if (operator === '-') return set ?? fallback!;
      return set ?? '';
    });
  }
  if (Array.isArray(value)) return value.map((item) => interpolate(item, env));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolate(item, env)]));
  return value;
}

interface Service {
  image?: string;
  build?: unknown;
  container_name?: string;
  ports?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, unknown>;
  volumes?: string[];
  healthcheck?: unknown;
}

const composeText = fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
const compose = interpolate(parse(composeText, { merge: true }), {}) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;

describe('docker-compose.yml', () => {
  test('is valid against the Compose Specification', () => {
    const schemaPath = process.env.BILLOW_COMPOSE_SCHEMA;
    if (!schemaPath || !fs.existsSync(schemaPath)) throw new Error('BILLOW_COMPOSE_SCHEMA is not set: run the suite with `npm test` (scripts/test.sh fetches the schema).');
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    const validate = ajv.compile(JSON.parse(fs.readFileSync(schemaPath, 'utf8')));
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  test('runs Temporal on its server and admin-tools images, with a stated number of history shards', () => {
    expect(composeText).not.toContain('temporalio/auto-setup');
    expect(services.temporal!.image).toMatch(/^temporalio\/server:\d+\.\d+\.\d+$/);
    expect(services['temporal-schema']!.image).toMatch(/^temporalio\/admin-tools:/);
    expect(Number(services.temporal!.environment!.NUM_HISTORY_SHARDS)).toBeGreaterThanOrEqual(1);
    expect(services.temporal!.depends_on).toHaveProperty('temporal-schema', { condition: 'service_completed_successfully' });
  });

  test('publishes Temporal only on 127.0.0.1 unless configured', () => {
    const published = Object.entries(services).flatMap(([name, service]) => (service.ports ?? []).map((port) => ({ name, port })));
    const temporal = published.filter(({ name }) => name.startsWith('temporal'));
    expect(temporal.map(({ port }) => port).sort()).toEqual(['127.0.0.1:7233:7233', '127.0.0.1:8080:8080']);
    const overridden = interpolate(parse(composeText, { merge: true }), { TEMPORAL_PUBLISH_ADDRESS: '10.0.0.5' }) as typeof compose;
    expect(overridden.services.temporal!.ports).toEqual(['10.0.0.5:7233:7233']);
  });

  test('scales workers and API with --scale: no fixed container name, the API on a port range', () => {
    for (const name of ['worker', 'api']) expect(services[name]!.container_name).toBeUndefined();
    expect(services.worker!.ports).toBeUndefined();
    expect(services.api!.ports).toEqual(['3000-3009:3000']);
  });

  test('every dependency, named volume and mounted file exists', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const dependency of Object.keys(service.depends_on ?? {})) expect({ name, dependency, exists: dependency in services }).toEqual({ name, dependency, exists: true });
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        const exists = source.startsWith('.') ? fs.existsSync(path.join(root, source)) : source in (compose.volumes ?? {});
        expect({ name, volume, exists }).toEqual({ name, volume, exists: true });
      }
    }
  });
});

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: { template: { spec: { containers: { readinessProbe?: unknown; livenessProbe?: unknown }[] } } };
}

describe('deploy/kubernetes', () => {
  const dir = path.join(root, 'deploy/kubernetes');
  const documents = fs.readdirSync(dir).filter((file) => file.endsWith('.yaml'))
    .flatMap((file) => parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8')).map((doc) => ({ file, doc: doc.toJS() as Manifest })))
    .filter(({ doc }) => doc);

  test('every manifest parses and names its kind', () => {
    expect(documents.length).toBeGreaterThan(0);
    for (const { file, doc } of documents) expect({ file, apiVersion: typeof doc.apiVersion, kind: typeof doc.kind }).toEqual({ file, apiVersion: 'string', kind: 'string' });
  });

  test('the API and the workers are Deployments with readiness and liveness probes', () => {
    const deployments = documents.filter(({ doc }) => doc.kind === 'Deployment').map(({ doc }) => doc);
    expect(deployments.map((deployment) => deployment.metadata.name).sort()).toEqual(['billow-api', 'billow-worker']);
    for (const deployment of deployments) {
      const [container] = deployment.spec.template.spec.containers;
      if (!container) throw new Error(`${deployment.metadata.name} has no container`);
      expect({ name: deployment.metadata.name, readiness: Boolean(container.readinessProbe), liveness: Boolean(container.livenessProbe) })
        .toEqual({ name: deployment.metadata.name, readiness: true, liveness: true });
    }
  });
});
