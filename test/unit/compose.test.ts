// The production stack (docker-compose.yml, Dockerfile, deploy/): validated with Debian's
// `docker-compose config` and checked for the shape production relies on. Nothing is started.
import { before, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { projectRoot, tools } from '../helpers/temporal';

const ROOT = projectRoot();
const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');
const MISSING =
  'docker-compose is not installed: run `bash .ci/run` (installs the test dependencies) or `apt-get install -y docker-compose`' +
  ' (or point DOCKER_COMPOSE at a compose binary).';

type Service = {
  image?: string;
  build?: { context?: string; dockerfile?: string } | string;
  depends_on?: Record<string, { condition?: string }> | string[];
  environment?: Record<string, string | null> | string[];
  ports?: (string | { target?: number | string; published?: number | string; host_ip?: string })[];
  volumes?: (string | { source?: string; target?: string; type?: string; read_only?: boolean })[];
  entrypoint?: string[] | string;
  command?: string[] | string;
  healthcheck?: { test?: string[] | string };
  env_file?: string[] | string;
  restart?: string;
};
type ComposeConfig = { services: Record<string, Service>; volumes?: Record<string, unknown> };

/** Debian's docker-compose (or $DOCKER_COMPOSE), or undefined. */
function composeBinary(): string | undefined {
  if (process.env.DOCKER_COMPOSE) return process.env.DOCKER_COMPOSE;
  return tools().findOnPath('docker-compose');
}

function composeEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Defaults only: nothing from the caller's shell may change what is checked.
  for (const k of ['TEMPORAL_PUBLISH_IP', 'TEMPORAL_NAMESPACE', 'TEMPORAL_NAMESPACE_RETENTION', 'TEMPORAL_CODEC_ENDPOINT', 'COMPOSE_FILE', 'COMPOSE_PROJECT_NAME']) delete env[k];
  // The real env files hold secrets and are not in the repository: use the tracked examples.
  env.TEMPORAL_DB_ENV_FILE = './deploy/temporal-db.env.example';
  env.PVE_RUNBOOKS_ENV_FILE = './deploy/pve-runbooks.env.example';
  return env;
}

function runCompose(bin: string, args: string[]) {
  return spawnSync(bin, ['-f', COMPOSE_FILE, ...args], { cwd: ROOT, env: composeEnv(), encoding: 'utf8', timeout: 60_000 });
}

function envOf(svc: Service): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(svc.environment)) {
    for (const kv of svc.environment) {
      const i = kv.indexOf('=');
      out[i < 0 ? kv : kv.slice(0, i)] = i < 0 ? '' : kv.slice(i + 1);
    }
  } else {
    for (const [k, v] of Object.entries(svc.environment ?? {})) out[k] = v ?? '';
  }
  return out;
}

function dependsOn(svc: Service): Record<string, string | undefined> {
  if (Array.isArray(svc.depends_on)) return Object.fromEntries(svc.depends_on.map((d) => [d, undefined]));
  return Object.fromEntries(Object.entries(svc.depends_on ?? {}).map(([k, v]) => [k, v?.condition]));
}

/** Published ports as "hostIp:published:target" (host ip '' when not bound to one). */
function portsOf(svc: Service): string[] {
  return (svc.ports ?? []).map((p) => {
    if (typeof p === 'string') {
      const parts = p.replace(/\/tcp$/, '').split(':');
      if (parts.length === 3) return parts.join(':');
      if (parts.length === 2) return `:${parts[0]}:${parts[1]}`;
      return `::${parts[0]}`;
    }
    return `${p.host_ip ?? ''}:${p.published ?? ''}:${p.target ?? ''}`;
  });
}

/** Volumes as "source:target[:ro]" (source as compose resolved it). */
function volumesOf(svc: Service): { source: string; target: string; readOnly: boolean }[] {
  return (svc.volumes ?? []).map((v) => {
    if (typeof v === 'string') {
      const parts = v.split(':');
      const mode = parts.length >= 3 ? parts[parts.length - 1] : 'rw';
      return { source: parts[0] ?? '', target: parts[1] ?? '', readOnly: mode === 'ro' };
    }
    return { source: v.source ?? '', target: v.target ?? '', readOnly: v.read_only === true };
  });
}

function asArray(x: string[] | string | undefined): string[] {
  return x === undefined ? [] : Array.isArray(x) ? x : [x];
}

describe('docker-compose.yml (production stack)', () => {
  let bin: string | undefined;
  let config: ComposeConfig;

  before(() => {
    bin = composeBinary();
    if (!bin) {
      if (!process.env.CI) console.error(`compose.test: ${MISSING} Skipping the docker-compose checks outside CI.`);
      return;
    }
    const r = runCompose(bin, ['config']);
    assert.equal(r.status, 0, `docker-compose config failed:\n${r.stderr}`);
    config = YAML.parse(r.stdout) as ComposeConfig;
  });

  /** Outside CI a missing docker-compose skips the test; in CI (CI set) it fails it. */
  function requireCompose(t: TestContext): boolean {
    if (bin) return true;
    if (process.env.CI) assert.fail(MISSING);
    t.skip('docker-compose not installed');
    return false;
  }

  it('is valid for `docker-compose config -q`', (t) => {
    if (!requireCompose(t)) return;
    const r = runCompose(bin!, ['config', '-q']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), '');
  });

  it('has the expected services', (t) => {
    if (!requireCompose(t)) return;
    assert.deepEqual(Object.keys(config.services).sort(), ['codec-server', 'postgresql', 'temporal', 'temporal-namespace', 'temporal-schema', 'temporal-ui', 'worker']);
  });

  it('offers the payload codec endpoint for the Web UI as an opt-in service, on 127.0.0.1, with the worker\'s env file', (t) => {
    if (!requireCompose(t)) return;
    const c = config.services['codec-server'] as Service & { profiles?: string[] };
    assert.deepEqual(c.profiles, ['encryption'], 'off unless `--profile encryption`: without a payload key it refuses to start');
    assert.equal(c.image, config.services['worker']!.image);
    assert.deepEqual(asArray(c.command).slice(0, 3), ['node', 'dist/client/pve-runbooks.js', 'codec-server']);
    assert.ok(asArray(c.command).includes('--origin'));
    assert.deepEqual(portsOf(c), ['127.0.0.1:8081:8081']);
    assert.deepEqual(asArray(c.env_file), asArray(config.services['worker']!.env_file), 'the same payload key as the worker');
  });

  it('uses postgres:16 with a data volume and a health check', (t) => {
    if (!requireCompose(t)) return;
    const pg = config.services['postgresql']!;
    assert.equal(pg.image, 'postgres:16');
    assert.ok(volumesOf(pg).some((v) => v.source === 'postgresql-data' && v.target === '/var/lib/postgresql/data'));
    assert.ok(config.volumes && 'postgresql-data' in config.volumes);
    assert.match(asArray(pg.healthcheck?.test).join(' '), /pg_isready/);
    assert.equal(envOf(pg)['POSTGRES_USER'], 'temporal');
    assert.ok(envOf(pg)['POSTGRES_PASSWORD'], 'POSTGRES_PASSWORD comes from the env file');
  });

  it('sets up the schema with temporalio/admin-tools (not auto-setup) before the server starts', (t) => {
    if (!requireCompose(t)) return;
    for (const [name, svc] of Object.entries(config.services)) {
      assert.doesNotMatch(svc.image ?? '', /auto-setup/, `${name} must not use the deprecated temporalio/auto-setup`);
    }
    const schema = config.services['temporal-schema']!;
    assert.match(schema.image ?? '', /^temporalio\/admin-tools:\d+\.\d+\.\d+/);
    assert.equal(dependsOn(schema)['postgresql'], 'service_healthy');
    assert.equal(schema.restart, 'no');
    const script = asArray(schema.entrypoint).join(' ');
    assert.match(script, /setup-schema\.sh/);
    assert.ok(volumesOf(schema).some((v) => v.target === '/opt/pve-runbooks/temporal' && v.readOnly));

    const server = config.services['temporal']!;
    assert.match(server.image ?? '', /^temporalio\/server:\d+\.\d+\.\d+$/);
    assert.equal(dependsOn(server)['temporal-schema'], 'service_completed_successfully');
    // Same release for the server and the tools that installed its schema.
    assert.equal(server.image!.split(':')[1], schema.image!.split(':')[1]);
  });

  it('configures the server for PostgreSQL 12+ with the dynamic config from deploy/', (t) => {
    if (!requireCompose(t)) return;
    const server = config.services['temporal']!;
    const env = envOf(server);
    assert.equal(env['DB'], 'postgres12');
    assert.equal(env['POSTGRES_SEEDS'], 'postgresql');
    assert.equal(env['DB_PORT'], '5432');
    assert.equal(env['DBNAME'], 'temporal');
    assert.equal(env['VISIBILITY_DBNAME'], 'temporal_visibility');
    assert.match(asArray(server.entrypoint).join(' '), /POSTGRES_PWD=.*POSTGRES_PASSWORD/);
    const dc = volumesOf(server).find((v) => v.target === '/etc/temporal/config/dynamicconfig');
    assert.ok(dc, 'dynamic config folder mounted');
    assert.equal(path.resolve(ROOT, dc.source), path.join(ROOT, 'deploy', 'temporal', 'dynamicconfig'));
    const dcFile = env['DYNAMIC_CONFIG_FILE_PATH'] ?? '';
    assert.ok(dcFile.startsWith('/etc/temporal/config/dynamicconfig/'), dcFile);
    const local = path.join(ROOT, 'deploy', 'temporal', 'dynamicconfig', path.basename(dcFile));
    const parsed = YAML.parse(fs.readFileSync(local, 'utf8')) as Record<string, { value: unknown }[]>;
    assert.deepEqual(parsed['frontend.enableUpdateWorkflowExecution'], [{ value: true }]);
    assert.deepEqual(portsOf(server), ['127.0.0.1:7233:7233']);
    assert.ok(asArray(server.healthcheck?.test).length > 0, 'server has a health check');
  });

  it('registers the namespace and the ClusterName and Runbook search attributes once the server is healthy', (t) => {
    if (!requireCompose(t)) return;
    const ns = config.services['temporal-namespace']!;
    assert.match(ns.image ?? '', /^temporalio\/admin-tools:/);
    assert.equal(dependsOn(ns)['temporal'], 'service_healthy');
    const env = envOf(ns);
    assert.equal(env['TEMPORAL_ADDRESS'], 'temporal:7233');
    assert.deepEqual((env['PVE_RUNBOOKS_SEARCH_ATTRIBUTES'] ?? '').split(/\s+/).sort(), ['ClusterName', 'Runbook']);
    assert.match(asArray(ns.entrypoint).join(' '), /setup-namespace\.sh/);
    const script = fs.readFileSync(path.join(ROOT, 'deploy', 'temporal', 'setup-namespace.sh'), 'utf8');
    assert.match(script, /temporal operator search-attribute create .*--type Keyword/);
    assert.match(script, /temporal operator namespace create/);
  });

  it('runs the Web UI against the server on port 8080', (t) => {
    if (!requireCompose(t)) return;
    const ui = config.services['temporal-ui']!;
    assert.match(ui.image ?? '', /^temporalio\/ui:\d+\.\d+\.\d+$/);
    assert.equal(envOf(ui)['TEMPORAL_ADDRESS'], 'temporal:7233');
    assert.ok('TEMPORAL_CODEC_ENDPOINT' in envOf(ui));
    assert.deepEqual(portsOf(ui), ['127.0.0.1:8080:8080']);
    assert.equal(dependsOn(ui)['temporal'], 'service_healthy');
  });

  it('builds the worker from the Dockerfile with its state on a volume and secrets from an env file', (t) => {
    if (!requireCompose(t)) return;
    const w = config.services['worker']!;
    const build = typeof w.build === 'string' ? { context: w.build } : w.build;
    assert.ok(build, 'worker has a build section');
    assert.equal(path.resolve(ROOT, build.context ?? '.'), ROOT);
    assert.equal(build.dockerfile ?? 'Dockerfile', 'Dockerfile');
    const env = envOf(w);
    assert.equal(env['TEMPORAL_ADDRESS'], 'temporal:7233');
    assert.equal(env['PVE_RUNBOOKS_HOME'], '/data');
    assert.ok('PVE_RUNBOOKS_SECRET_KEY' in env, 'secret key comes from the env file');
    assert.ok(volumesOf(w).some((v) => v.source === 'pve-runbooks-data' && v.target === '/data'));
    assert.ok(config.volumes && 'pve-runbooks-data' in config.volumes);
    assert.deepEqual(asArray(w.command), ['node', 'dist/client/pve-runbooks.js', 'worker']);
    assert.equal(dependsOn(w)['temporal-namespace'], 'service_completed_successfully');
    assert.deepEqual(w.ports ?? [], [], 'the worker listens on nothing');
  });
});

describe('Dockerfile, .dockerignore and deploy/', () => {
  it('Dockerfile is a multi-stage node:20-bookworm-slim build that prunes dev dependencies', () => {
    const df = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    const froms = df.split('\n').filter((l) => /^FROM\s/i.test(l));
    assert.equal(froms.length, 2);
    for (const f of froms) assert.match(f, /node:20-bookworm-slim/);
    assert.match(df, /RUN npm ci\b/);
    assert.match(df, /npm run build/);
    assert.match(df, /npm prune --omit=dev/);
    assert.match(df, /CMD \["node", "dist\/client\/pve-runbooks\.js", "worker"\]/);
    assert.match(df, /PVE_RUNBOOKS_HOME=\/data/);
    assert.match(df, /^USER node$/m);
  });

  it('.dockerignore keeps local state and secrets out of the build context', () => {
    const lines = fs.readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const p of ['node_modules', 'dist', '.tools', '.lab', '.git', 'deploy/*.env']) assert.ok(lines.includes(p), `.dockerignore lists ${p}`);
  });

  it('the setup scripts are valid sh and use the postgres12 schema shipped in admin-tools', () => {
    for (const f of ['setup-schema.sh', 'setup-namespace.sh']) {
      const r = spawnSync('sh', ['-n', path.join(ROOT, 'deploy', 'temporal', f)], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${f}: ${r.stderr}`);
    }
    const schema = fs.readFileSync(path.join(ROOT, 'deploy', 'temporal', 'setup-schema.sh'), 'utf8');
    assert.match(schema, /SQL_PLUGIN=postgres12/);
    assert.match(schema, /\/etc\/temporal\/schema\/postgresql\/v12/);
    assert.match(schema, /temporal\/versioned/);
    assert.match(schema, /visibility\/versioned/);
    assert.match(schema, /create-database/);
    assert.match(schema, /update-schema/);
  });

  it('real env files are git-ignored, examples are tracked', () => {
    const gi = fs.readFileSync(path.join(ROOT, 'deploy', '.gitignore'), 'utf8');
    assert.match(gi, /^\*\.env$/m);
    assert.match(fs.readFileSync(path.join(ROOT, 'deploy', 'temporal-db.env.example'), 'utf8'), /^POSTGRES_PASSWORD=/m);
    assert.match(fs.readFileSync(path.join(ROOT, 'deploy', 'pve-runbooks.env.example'), 'utf8'), /^PVE_RUNBOOKS_SECRET_KEY=/m);
  });
});
