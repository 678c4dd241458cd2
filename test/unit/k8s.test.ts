import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../core/config/load.js';
import { configSchema, envName } from '../../core/config/options.js';
import { fromRoot } from '../../core/paths.js';
import { writerMemoryBytes } from '../../writer/setup.js';
import { receiverMemoryBytes } from '../../receiver/admission.js';

interface Container {
  args?: string[];
  resources?: { limits?: { memory?: string } };
  env?: { name: string; value: string }[];
  ports?: { containerPort: number }[];
  livenessProbe?: { httpGet: { path: string; port: number } };
  readinessProbe?: { httpGet: { path: string; port: number } };
}
interface Doc {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: { template?: { spec: { containers: Container[] } } };
}

const docs: Doc[] = readdirSync(fromRoot('deploy', 'k8s'))
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) =>
    parseAllDocuments(readFileSync(fromRoot('deploy', 'k8s', f), 'utf8')).map((d) => d.toJS() as Doc),
  );
const known = new Set(Object.keys(configSchema).map(envName));
const shared = {
  ...docs.find((d) => d.kind === 'ConfigMap')!.data,
  ...docs.find((d) => d.kind === 'Secret')!.stringData,
};

function containerEnv(container: Container): Record<string, string> {
  return { ...shared, ...Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value])) };
}

test('every TRIBUTARY_* variable in the manifests is a config key and the result validates', () => {
  for (const name of Object.keys(shared)) assert.ok(known.has(name), `${name} is not a config key`);
  for (const doc of docs) {
    for (const container of doc.spec?.template?.spec.containers ?? []) {
      for (const { name } of container.env ?? [])
        assert.ok(known.has(name), `${doc.metadata.name}: ${name} is not a config key`);
      assert.doesNotThrow(() => loadConfig({ env: containerEnv(container) }), doc.metadata.name);
    }
  }
});

test('ports and probes match the configuration of each container', () => {
  const checks = {
    receiver: ['receiver.healthPort', 'receiver.httpPort', 'receiver.grpcPort', 'receiver.metricsPort'],
    writer: ['writer.healthPort', 'writer.metricsPort'],
  } as const;
  for (const [role, keys] of Object.entries(checks)) {
    const container = docs
      .flatMap((d) => d.spec?.template?.spec.containers ?? [])
      .find((c) => c.args?.[0] === role)!;
    const { config } = loadConfig({ env: containerEnv(container) });
    const ports = (container.ports ?? []).map((p) => p.containerPort);
    for (const key of keys)
      assert.ok(ports.includes(config[key]), `${role}: ${key}=${config[key]} is a container port`);
    const health = role === 'receiver' ? config['receiver.healthPort'] : config['writer.healthPort'];
    assert.equal(container.readinessProbe?.httpGet.path, '/ready');
    assert.equal(container.readinessProbe?.httpGet.port, health);
    assert.equal(container.livenessProbe?.httpGet.port, health);
  }
});

test('secrets stay out of the ConfigMap', () => {
  const configMap = docs.find((d) => d.kind === 'ConfigMap')!.data ?? {};
  for (const secret of ['TRIBUTARY_CLICKHOUSE_PASSWORD', 'TRIBUTARY_RECEIVER_API_KEYS'])
    assert.ok(!(secret in configMap));
});

test('receivers drain from load balancers before stopping, within the grace period', () => {
  const receiver = docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'tributary-receiver')!;
  const pod = receiver.spec!.template!.spec as unknown as {
    terminationGracePeriodSeconds: number;
    containers: (Container & { lifecycle?: { preStop?: { exec?: { command: string[] } } } })[];
  };
  const container = pod.containers[0]!;
  const command = container.lifecycle?.preStop?.exec?.command ?? [];
  assert.equal(command[0], 'sleep', 'a preStop delay');
  const delay = Number(command[1]);
  assert.ok(delay >= 3, 'long enough for endpoints to be removed');
  const shutdownMs = Number(containerEnv(container)['TRIBUTARY_RECEIVER_SHUTDOWN_TIMEOUT_MS']);
  assert.ok(
    pod.terminationGracePeriodSeconds >= delay + shutdownMs / 1000,
    'the grace period covers the delay and the shutdown deadline',
  );
});

test("the writer's memory limit holds its stated bound (docs/operations.md)", () => {
  const writer = docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'tributary-writer');
  const container = writer!.spec!.template!.spec.containers[0]!;
  const limit = /^(\d+)(Mi|Gi)$/.exec(container.resources?.limits?.memory ?? '');
  assert.ok(limit, 'the writer has a memory limit in Mi or Gi');
  const bytes = Number(limit[1]) * (limit[2] === 'Gi' ? 1024 ** 3 : 1024 ** 2);
  const { config } = loadConfig({ env: containerEnv(container) });
  assert.ok(
    writerMemoryBytes(config) <= bytes,
    `bound ${writerMemoryBytes(config)} exceeds the limit ${bytes}: lower writer.maxBufferedBytes or raise the limit`,
  );
});

test("the receiver's memory limit holds its stated bound (docs/operations.md)", () => {
  const receiver = docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'tributary-receiver');
  const container = receiver!.spec!.template!.spec.containers[0]!;
  const limit = /^(\d+)(Mi|Gi)$/.exec(container.resources?.limits?.memory ?? '');
  assert.ok(limit, 'the receiver has a memory limit in Mi or Gi');
  const bytes = Number(limit[1]) * (limit[2] === 'Gi' ? 1024 ** 3 : 1024 ** 2);
  const { config } = loadConfig({ env: containerEnv(container) });
  assert.ok(
    receiverMemoryBytes(config) <= bytes,
    `bound ${receiverMemoryBytes(config)} exceeds the limit ${bytes}: lower receiver.maxAdmittedBytes or raise the limit`,
  );
});
