// Docker, Compose and Kubernetes without a container engine: the files parse and hold what
// they should, and every compose service's (and StatefulSet pod's) environment, run as a
// local process in its own network namespace with the service names in its /etc/hosts,
// forms a working cluster, exactly as the containers would. The Dockerfile's own build and
// start commands run in dockerfile.test.ts.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClusterNode, debug, request } from '../harness.js';
import { NetnsLab } from '../netns.js';
import { parse as parseYaml, parseAllDocuments } from 'yaml';

type Yaml = string | number | boolean | null | Yaml[] | { [key: string]: Yaml };
const parseYamlDocuments = (source: string): Yaml[] =>
  parseAllDocuments(source).map((d) => {
    if (d.errors.length) throw new Error(d.errors.map((e) => e.message).join('; '));
    return d.toJS() as Yaml;
  });
import { leaderAmong, netnsUnavailableReason, putAcked, waitConverged } from './support.js';
import { parseDockerfile } from './dockerfile.js';

const ROOT = resolve(fileURLToPath(new URL('../../../../', import.meta.url)));
const read = (p: string): string => readFileSync(join(ROOT, p), 'utf8');
type Obj = { [key: string]: Yaml };
const obj = (v: Yaml | undefined, what: string): Obj => {
  assert.ok(v !== null && typeof v === 'object' && !Array.isArray(v), `${what} is a mapping`);
  return v as Obj;
};
const arr = (v: Yaml | undefined, what: string): Yaml[] => {
  assert.ok(Array.isArray(v), `${what} is a list`);
  return v;
};

interface ProcessSpec {
  readonly name: string;
  readonly env: Record<string, string>;
}

/** Services of a compose file, checked against the tutorial layout. */
function composeServices(file: string, size: number): ProcessSpec[] {
  const doc = obj(parseYaml(read(file)), file);
  const services = obj(doc['services'], `${file} services`);
  const names = Array.from({ length: size }, (_, i) => `node${i + 1}`);
  assert.deepEqual(Object.keys(services).sort(), names, `${file}: services node1..node${size}`);
  const volumes = obj(doc['volumes'], `${file} volumes`);
  return names.map((name, i) => {
    const s = obj(services[name], `${file} ${name}`);
    assert.equal(s['build'], '.', `${name} builds from the Dockerfile`);
    const env = obj(s['environment'], `${name} environment`);
    assert.equal(env['NODE_ID'], name);
    assert.equal(String(env['PORT']), '3000');
    assert.deepEqual(String(env['PEER_IDS']).split(','), names.filter((n) => n !== name).map((n) => `${n}:3000`), `${name} PEER_IDS names the others`);
    assert.deepEqual(arr(s['ports'], `${name} ports`), [`${3001 + i}:3000`]);
    assert.deepEqual(arr(s['volumes'], `${name} volumes`), [`${name}-data:/data`], `${name} keeps its data in a named volume`);
    assert.ok(Object.hasOwn(volumes, `${name}-data`), `volume ${name}-data is declared`);
    return { name, env: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])) };
  });
}

interface Manifests {
  readonly byKind: Map<string, Obj[]>;
}

function kubernetesManifests(): Manifests {
  const kustomization = obj(parseYaml(read('deploy/kubernetes/kustomization.yaml')), 'kustomization');
  const byKind = new Map<string, Obj[]>();
  for (const file of arr(kustomization['resources'], 'kustomization resources')) {
    for (const doc of parseYamlDocuments(read(`deploy/kubernetes/${String(file)}`))) {
      const m = obj(doc, String(file));
      const kind = String(m['kind']);
      byKind.set(kind, [...(byKind.get(kind) ?? []), m]);
    }
  }
  return { byKind };
}

/** Runs each spec as `raftkv serve` with that environment only, node i in namespace i. */
class LocalDeployment {
  readonly nodes: ClusterNode[];
  private readonly root = mkdtempSync(join(tmpdir(), 'raftkv-deploy-'));

  constructor(readonly lab: NetnsLab, specs: readonly ProcessSpec[], hostnames: readonly string[]) {
    lab.setHosts(new Map(hostnames.map((h, i) => [h, i])));
    this.nodes = specs.map((s, i) => {
      const dataDir = join(this.root, s.name);
      // The image sets DATA_DIR=/data; here each process gets its own directory instead.
      const env = { ...s.env, DATA_DIR: dataDir };
      return new ClusterNode({ id: s.env['NODE_ID'] ?? s.name, host: lab.nodes[i]!.host, port: 3000, dataDir }, ['serve'], lab.nodes[i]!.ns, env);
    });
  }

  async cleanup(): Promise<void> {
    for (const n of this.nodes) if (n.running) n.resume();
    await Promise.all(this.nodes.map((n) => n.kill()));
    rmSync(this.root, { recursive: true, force: true });
    this.lab.destroy();
  }
}

/** Starts the deployment, then: a leader, a write through one node read from all, and a kill -9 of the leader. */
async function exerciseDeployment(d: LocalDeployment): Promise<void> {
  for (const n of d.nodes) {
    for (const k of ['PEERS', 'PEER_IDS', 'NODE_ID', 'PORT', 'LISTEN', 'DATA_DIR']) if (process.env[k]) throw new Error(`the test's own environment sets ${k}; unset it`);
    n.start();
  }
  const leader = await leaderAmong(d.nodes, 30_000);
  const rev = await putAcked(d.nodes[d.nodes.length - 1]!, 'deployed', 'yes');
  for (const n of d.nodes) {
    const r = await request(n, 'GET', '/kv/deployed');
    assert.equal(r.status, 200, `${n.spec.id}: ${JSON.stringify(r.json)}`);
    assert.equal(r.json.revision, rev);
  }
  // `docker compose kill <leader>`: the rest carry on.
  await leader.kill();
  const rest = d.nodes.filter((n) => n !== leader);
  await putAcked(rest[0]!, 'after-kill', 'yes', 20_000);
  leader.start();
  await waitConverged(d.nodes, 20_000);
  assert.equal((await debug(leader)).state, 'follower');
  const health = await request(leader, 'GET', '/health');
  assert.equal(health.status, 200, 'the restarted node reports healthy');
}

const noNetns = netnsUnavailableReason();

describe('deployment files', () => {
  test('docker-compose.yml: three nodes in the tutorial layout with named volumes', () => {
    composeServices('docker-compose.yml', 3);
  });

  test('docker-compose.5.yml: five nodes', () => {
    composeServices('docker-compose.5.yml', 5);
  });

  test('Kubernetes: StatefulSet of 3 with a headless Service, PVC per pod, readiness on /health, PDB keeping a majority', () => {
    const { byKind } = kubernetesManifests();
    const [sts] = byKind.get('StatefulSet') ?? [];
    assert.ok(sts, 'a StatefulSet');
    const spec = obj(sts['spec'], 'sts spec');
    assert.equal(spec['replicas'], 3);
    assert.equal(spec['podManagementPolicy'], 'Parallel', 'pods start together (a lone pod cannot become ready)');
    const headless = (byKind.get('Service') ?? []).find((s) => obj(s['metadata'], 'svc').name === spec['serviceName']);
    assert.ok(headless, `a Service named ${String(spec['serviceName'])}`);
    assert.equal(obj(headless['spec'], 'svc spec')['clusterIP'], 'None', 'headless');
    assert.equal(obj(headless['spec'], 'svc spec')['publishNotReadyAddresses'], true, 'peers resolve before they are ready');
    const claims = arr(spec['volumeClaimTemplates'], 'volumeClaimTemplates');
    assert.equal(claims.length, 1);
    const claimName = obj(obj(claims[0], 'claim')['metadata'], 'claim metadata')['name'];
    const podSpec = obj(obj(spec['template'], 'template')['spec'], 'pod spec');
    const container = obj(arr(podSpec['containers'], 'containers')[0], 'container');
    const mounts = arr(container['volumeMounts'], 'volumeMounts').map((m) => obj(m, 'mount'));
    assert.ok(mounts.some((m) => m['name'] === claimName && m['mountPath'] === '/data'), 'the claim is mounted at /data');
    const probe = obj(obj(container['readinessProbe'], 'readinessProbe')['httpGet'], 'httpGet');
    assert.equal(probe['path'], '/health');
    const env = new Map(arr(container['env'], 'env').map((e) => [String(obj(e, 'env')['name']), obj(e, 'env')]));
    assert.equal(obj(obj(env.get('NODE_ID')?.['valueFrom'], 'NODE_ID valueFrom')['fieldRef'], 'fieldRef')['fieldPath'], 'metadata.name');
    assert.equal(env.get('DATA_DIR')?.['value'], '/data');
    const name = String(obj(sts['metadata'], 'sts metadata')['name']);
    assert.deepEqual(
      String(env.get('PEERS')?.['value']).split(','),
      [0, 1, 2].map((i) => `${name}-${i}=${name}-${i}.${String(spec['serviceName'])}:3000`),
      'PEERS names every pod by its stable DNS name',
    );
    assert.equal(obj(podSpec['securityContext'], 'securityContext')['runAsNonRoot'], true);
    const [pdb] = byKind.get('PodDisruptionBudget') ?? [];
    assert.ok(pdb, 'a PodDisruptionBudget');
    assert.equal(obj(pdb['spec'], 'pdb spec')['minAvailable'], 2);
    assert.deepEqual(obj(pdb['spec'], 'pdb spec')['selector'], spec['selector']);
  });

  test('Dockerfile: multi-stage, dev deps to build, production deps to run, non-root, volume, health check, exec-form CMD', () => {
    const df = parseDockerfile(read('Dockerfile'));
    const [build, runtime] = df.stages;
    assert.ok(build && runtime && df.stages.length === 2, 'a build stage and a runtime stage');
    const runs = (s: typeof build): string[] => s.instructions.filter((i) => i.op === 'RUN').map((i) => i.args);
    assert.ok(runs(build).some((r) => /\bnpm ci\b/.test(r) && !/--omit=dev/.test(r)), 'the build stage installs dev dependencies');
    assert.ok(runs(build).some((r) => /npm run build|tsc/.test(r)), 'the build stage compiles');
    assert.ok(runs(runtime).some((r) => /npm ci --omit=dev/.test(r)), 'the runtime installs production dependencies only');
    assert.ok(!runs(runtime).some((r) => /\btsc\b|npm run build/.test(r)), 'the runtime does not compile');
    assert.ok(runtime.instructions.some((i) => i.op === 'COPY' && i.args.includes(`--from=${build.name}`) && i.args.includes('dist')), 'the runtime copies dist from the build stage');
    const user = runtime.instructions.filter((i) => i.op === 'USER').at(-1);
    assert.ok(user && user.args !== 'root' && user.args !== '0', 'runs as a non-root user');
    assert.ok(runtime.instructions.some((i) => i.op === 'VOLUME' && i.args.includes('/data')), 'a volume for the data');
    assert.ok(runtime.env.get('DATA_DIR') === '/data', 'DATA_DIR points at the volume');
    const hc = runtime.instructions.find((i) => i.op === 'HEALTHCHECK');
    assert.ok(hc && /CMD \["node"/.test(hc.args) && hc.args.includes('/health'), 'HEALTHCHECK on /health with node (no curl in slim images)');
    const cmd = runtime.instructions.filter((i) => i.op === 'CMD').at(-1);
    assert.deepEqual(cmd && JSON.parse(cmd.args), ['node', 'dist/src/client/cli.js', 'serve'], 'exec form, so node gets SIGTERM');
    const ignore = read('.dockerignore').split('\n').map((l) => l.trim());
    for (const p of ['node_modules', 'dist', '.git', 'data']) assert.ok(ignore.includes(p), `.dockerignore excludes ${p}`);
  });
});

describe('deployments run as local processes in network namespaces', { skip: noNetns ?? false }, () => {
  const deployments: LocalDeployment[] = [];
  after(async () => {
    for (const d of deployments) await d.cleanup();
  });

  test('docker-compose.yml: each service environment (NODE_ID, PEER_IDS, PORT) forms a working cluster', async () => {
    const specs = composeServices('docker-compose.yml', 3);
    const d = new LocalDeployment(NetnsLab.create(3, `${process.pid}c`), specs, specs.map((s) => s.name));
    deployments.push(d);
    await exerciseDeployment(d);
  });

  test('Kubernetes StatefulSet: pod names through the downward API and PEERS form a working cluster', async () => {
    const { byKind } = kubernetesManifests();
    const sts = byKind.get('StatefulSet')![0]!;
    const name = String(obj(sts['metadata'], 'metadata')['name']);
    const spec = obj(sts['spec'], 'spec');
    const container = obj(arr(obj(obj(spec['template'], 'template')['spec'], 'pod')['containers'], 'containers')[0], 'container');
    const pods = Array.from({ length: Number(spec['replicas']) }, (_, i) => `${name}-${i}`);
    const specs = pods.map((pod) => {
      const env: Record<string, string> = {};
      for (const e of arr(container['env'], 'env').map((x) => obj(x, 'env'))) {
        const fieldPath = e['valueFrom'] ? obj(obj(e['valueFrom'], 'valueFrom')['fieldRef'], 'fieldRef')['fieldPath'] : undefined;
        env[String(e['name'])] = fieldPath === 'metadata.name' ? pod : String(e['value']);
      }
      return { name: pod, env };
    });
    const d = new LocalDeployment(NetnsLab.create(pods.length, `${process.pid}k`), specs, pods.map((p) => `${p}.${String(spec['serviceName'])}`));
    deployments.push(d);
    await exerciseDeployment(d);
  });
});
