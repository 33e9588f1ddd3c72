import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { loadKafkaIngestionConfig } from '@loyalty/kafka-ingestion';
import { loadConfig } from '../config/app-config';

// The deployment files carry configuration the app validates at start: check it here, so that
// a typo in a compose or Kubernetes file fails the build, not a 2 a.m. rollout.
const infra = join(__dirname, '..', '..', '..', '..', 'infra');

type Env = Record<string, string>;
const asEnv = (values: Record<string, unknown>): Env => Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(v)]));

describe('infra/docker-compose.yml', () => {
  const compose = parse(readFileSync(join(infra, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, { environment?: Record<string, unknown>; deploy?: { replicas?: number } }>;
  };

  it('has Kafka, EventStoreDB, PostgreSQL, two ingestion workers, one projector, one notifier and the API', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'eventstoredb', 'ingestion-worker', 'kafka', 'notifier', 'postgres', 'projector']);
    expect(compose.services['ingestion-worker'].deploy?.replicas).toBe(2);
    expect(compose.services.projector.deploy?.replicas).toBe(1);
    expect(compose.services.notifier.deploy?.replicas).toBe(1);
  });

  it.each(['api', 'ingestion-worker', 'projector', 'notifier'])('gives the %s service a configuration the app accepts', (service) => {
    const env = asEnv({ ...compose.services[service].environment, LOYALTY_API_KEYS: 'change-me-admin-key:admin' });
    const config = loadConfig(env);
    expect(config.LEDGER_STORE).toBe('eventstoredb');
    expect(config.READ_MODEL_STORE).toBe('postgres');
    expect(config.LOYALTY_ROLE).toBe(service);
    expect(loadKafkaIngestionConfig(env)?.KAFKA_BROKERS).toBe('kafka:9092');
  });

  // `docker compose` (v2 plugin) or `docker-compose` (v1, Debian's package), whichever this machine has.
  const composeClient = [
    ['docker', ['compose']],
    ['docker-compose', []],
  ].find(([cmd, pre]) => spawnSync(cmd as string, [...(pre as string[]), 'version'], { encoding: 'utf8' }).status === 0) as [string, string[]] | undefined;
  if (!composeClient)
    process.stderr.write(
      '[infra] compose config check SKIPPED: neither `docker compose` nor `docker-compose` on this machine (the YAML is checked by the tests beside it)\n',
    );
  (composeClient ? it : it.skip)('passes `docker compose config`', () => {
    const [cmd, pre] = composeClient!;
    const result = spawnSync(cmd, [...pre, '-f', join(infra, 'docker-compose.yml'), 'config', '--quiet'], {
      encoding: 'utf8',
      env: { ...process.env, LOYALTY_API_KEYS: 'k-12345678:admin' },
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('infra/k8s/loyalty-ledger.yaml', () => {
  const docs = parseAllDocuments(readFileSync(join(infra, 'k8s', 'loyalty-ledger.yaml'), 'utf8')).map(
    (d) =>
      d.toJSON() as {
        kind: string;
        metadata: { name: string };
        data?: Env;
        stringData?: Env;
        spec?: { template?: { spec: { containers: { env?: { name: string; value: string }[] }[] } } };
      },
  );

  it('declares the API, the ingestion workers, one projector and one notifier, with a configuration the app accepts', () => {
    const configMap = docs.find((d) => d.kind === 'ConfigMap')!;
    const secret = docs.find((d) => d.kind === 'Secret')!;
    const deployments = docs.filter((d) => d.kind === 'Deployment');
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['api', 'ingestion-worker', 'notifier', 'projector']);
    for (const single of ['projector', 'notifier'])
      expect((deployments.find((d) => d.metadata.name === single) as unknown as { spec: { replicas: number } }).spec.replicas).toBe(1);
    for (const deployment of deployments) {
      const container = deployment.spec!.template!.spec.containers[0];
      const env = { ...configMap.data, ...secret.stringData, ...Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value])) };
      expect(loadConfig(env).LOYALTY_ROLE).toBe(deployment.metadata.name);
      expect(loadKafkaIngestionConfig(env)).not.toBeNull();
    }
  });
});
