import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { functionApps } from '../src/index.js';
import { readmeSettings } from './support/readme-settings.js';

// Bicep cannot be compiled here, so the template is checked against what the code and azure.yaml expect:
// the settings the README documents, the roles the apps need, and names that must line up.
const ROOT = resolve(import.meta.dirname, '../../..');
const INFRA = join(ROOT, 'infra');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const bicepFiles = ['infra/main.bicep', ...readdirSync(join(INFRA, 'app')).map((f) => `infra/app/${f}`)];
const main = read('infra/main.bicep');

/** The text from `at` to the end of the first `{ ... }` block that starts there. */
function braced(text: string, at: number): string {
  let depth = 0;
  for (let i = text.indexOf('{', at); i < text.length; i++) {
    if (text[i] === '{') depth++;
    if (text[i] === '}' && --depth === 0) return text.slice(at, i + 1);
  }
  throw new Error(`unbalanced braces after ${at}`);
}

/** The keys of `var <name> = { ... }` (one level deep: nested objects' keys too) in a Bicep file. */
function objectKeys(text: string, varName: string): string[] {
  const at = text.indexOf(`var ${varName} = {`);
  if (at < 0) throw new Error(`no var ${varName}`);
  return [...braced(text, at).matchAll(/^\s*'?([A-Za-z_][A-Za-z0-9_-]*)'?\s*:/gm)].map((m) => m[1]);
}

/** The declaration of the resource of that type (`resource x '<type>@<version>' ... { ... }`) in a Bicep file. */
function resourceOf(text: string, type: string): string {
  const at = text.search(new RegExp(`^resource \\w+ '${type.replace(/\//g, '\\/')}@`, 'm'));
  if (at < 0) throw new Error(`no resource ${type}`);
  return braced(text, at);
}

/** `param <name> <type> = <default>` of a Bicep file: the default as written (quotes dropped). */
function paramDefault(text: string, name: string): string | undefined {
  const m = new RegExp(`^param ${name} \\w+ = (.+)$`, 'm').exec(text);
  return m?.[1].trim().replace(/^'(.*)'$/, '$1');
}

/** The block of one service of azure.yaml (its line and the more indented lines under it). */
function serviceBlock(yaml: string, service: string): string {
  const services = yaml.slice(yaml.indexOf('\nservices:'));
  const from = services.indexOf(`\n  ${service}:\n`) + 1;
  if (from <= 0) throw new Error(`no service ${service}`);
  const next = services.slice(from + 3).search(/\n {2}\S/);
  return services.slice(from, next < 0 ? undefined : from + 3 + next);
}

/** The keys of `var <name> = <condition> ? { ... } : {}` in a Bicep file (settings set under an option). */
function optionalKeys(text: string, varName: string): string[] {
  const at = text.search(new RegExp(`^var ${varName} = \\w+ \\? \\{$`, 'm'));
  if (at < 0) throw new Error(`no var ${varName} = <condition> ? { ... } : {}`);
  return [...braced(text, at).matchAll(/^\s*'?([A-Za-z_][A-Za-z0-9_-]*)'?\s*:/gm)].map((m) => m[1]);
}

const templateSettings = new Set([
  ...objectKeys(main, 'sharedSettings'),
  ...optionalKeys(main, 'modelSettings'),
  ...optionalKeys(main, 'modelSelection'),
  ...objectKeys(main, 'appSettings'),
  ...objectKeys(read('infra/app/function-app.bicep'), 'baseAppSettings'),
]);

/** README settings the template leaves at their default, and why (README "Deploy to Azure" lists them). */
const LEFT_DEFAULT: Record<string, string> = {
  DEFAULT_MODEL: 'first model by name (mnist)',
  MAX_REQUEST_BYTES: 'limit',
  MAX_IMAGE_PIXELS: 'limit',
  MAX_BATCH_ROWS: 'limit',
  ORT_INTRA_OP_THREADS: 'one thread per session suits Flex instances',
  BATCHING: 'as each model config says',
  CACHE_MODE: 'redis, because REDIS_URL is set',
  REDIS_PASSWORD: 'no access keys: Entra ID (a token, issue 15)',
  REDIS_CLUSTER:
    'Managed Redis with the EnterpriseCluster policy serves one endpoint; Basic/Standard caches are not clustered',
  CACHE_TTL_SECONDS: 'tuning',
  CACHE_L1_BYTES: 'tuning',
  CACHE_TIMEOUT_MS: 'tuning',
  MODEL_LOAD_WAIT_MS: 'tuning',
  MODEL_POLL_INTERVAL_S: "with MODELS_IN_BLOB, 15 s (Triton's default); read in poll mode only",
  LOCAL_HOST_WORKERS: 'local host only',
  LOCAL_HOST_MAX_CONNECTIONS: 'local host only',
  MAX_RESPONSE_BYTES: 'limit',
  CACHE_MAX_VALUE_BYTES: 'limit',
  PORT: 'local host only',
  HOST: 'local host only',
  REDIS_PORT: 'local host only (npm start spawns redis-server)',
  AZURITE_BLOB_PORT: 'local only',
  AZURITE_QUEUE_PORT: 'local only',
  AZURITE_TABLE_PORT: 'local only',
  AZURITE_LOCATION: 'local only',
  BLOB_MAX_PARALLELISM: 'local host only (host.json in Azure)',
  BLOB_POLL_INTERVAL_MS: 'local host only',
  BLOB_MAX_ATTEMPTS: 'local host only (host.json in Azure)',
  BLOB_RETRY_DELAY_MS: 'local host only',
  BLOB_WEBHOOK_PORT: 'local host only (Azure serves the webhook on the app URL)',
  SERVICEBUS_PORT: 'local emulator only',
  SERVICEBUS_MAX_CONCURRENT_CALLS: 'local host only (host.json in Azure)',
  SERVICEBUS_MAX_BATCH_SIZE: 'local host only (host.json in Azure)',
  OTEL_EXPORTER_OTLP_ENDPOINT: "optional second exporter; Application Insights is the template's",
  OTEL_EXPORTER_OTLP_PROTOCOL: 'goes with OTEL_EXPORTER_OTLP_ENDPOINT, which the template leaves unset',
  OTEL_TRACES_SAMPLER: "the distro's rate limit, unless a user chooses otherwise",
  OTEL_TRACES_SAMPLER_ARG: 'goes with OTEL_TRACES_SAMPLER',
  MODEL_CACHE_DIR: "a container's copy goes to a folder of the instance's temp dir (MODELS_IN_BLOB)",
  MAX_IMAGE_SIDE: 'limit',
  IMAGE_DECODE_MEMORY_BYTES: 'limit',
  IMAGE_DECODE_QUEUE: 'limit',
  MODEL_QUEUE_MAX_ROWS: 'limit',
  MODEL_QUEUE_MAX_BYTES: 'limit',
  MODEL_QUEUE_MAX_WAIT_MS: 'limit',
  OCR_MAX_PAGES: 'limit',
  OCR_MAX_PAGE_PIXELS: 'limit',
  OCR_MAX_DOCUMENT_BYTES: 'limit',
  OCR_MAX_DECODED_BYTES: 'limit',
  OCR_PDF_DPI: 'tuning',
  INFERENCE_THREADS: 'cores ÷ worker processes fits every Flex instance size',
  ENTRY_SCRIPT_THREADS: 'cores ÷ worker processes fits every Flex instance size',
  INFERENCE_INLINE_MAX_MS: 'tuning',
  INFERENCE_THREAD_MAX_RUNS: 'tuning',
  FUNCTIONS_WORKER_PROCESS_COUNT: "the platform's (1 on Flex Consumption)",
  AzureFunctionsWebHost__hostid: 'local host only (the Functions host has its own id in Azure)',
  SERVICEBUS_DATA_DIR: 'local emulator only',
  AzureWebJobsStorage__blobServiceUri: 'the account name gives the endpoints',
  AzureWebJobsStorage__queueServiceUri: 'the account name gives the endpoints',
};

describe('infra/ (the azd template)', () => {
  it('sets every setting of the README table, or leaves it at its default on purpose', () => {
    const settings = readmeSettings();
    expect(settings.length).toBeGreaterThan(20);
    const isSet = (name: string) =>
      templateSettings.has(name) || [...templateSettings].some((k) => k.startsWith(`${name}__`));
    const unaccounted = settings.filter((s) => !isSet(s) && !(s in LEFT_DEFAULT));
    expect(unaccounted, 'set these in infra/main.bicep or add them to LEFT_DEFAULT with the reason').toEqual(
      [],
    );
    const stale = Object.keys(LEFT_DEFAULT).filter((s) => !settings.includes(s));
    expect(stale, 'LEFT_DEFAULT names settings the README no longer has').toEqual([]);
    const both = Object.keys(LEFT_DEFAULT).filter(isSet);
    expect(both).toEqual([]);
  });

  it('connects with the identity as Azure documents: host storage, Service Bus, Application Insights', () => {
    for (const s of [
      'AzureWebJobsStorage__accountName',
      'AzureWebJobsStorage__credential',
      'AzureWebJobsStorage__clientId',
      'ServiceBusConnection__fullyQualifiedNamespace',
      'ServiceBusConnection__credential',
      'ServiceBusConnection__clientId',
      'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
    ]) {
      expect(templateSettings).toContain(s);
    }
    // No connection string or key anywhere in an app setting.
    expect(templateSettings).not.toContain('AzureWebJobsStorage');
    expect(templateSettings).not.toContain('ServiceBusConnection');
    expect(templateSettings).not.toContain('REDIS_PASSWORD');
  });

  it('assigns the identity every role the apps need', () => {
    const rbac = read('infra/app/rbac.bicep');
    const roles = {
      storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
      storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
      serviceBusDataReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0',
      serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39',
      monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
    };
    for (const [name, id] of Object.entries(roles)) expect(rbac).toContain(`${name}: '${id}'`);
    expect(rbac).toMatch(/storageRoles = \[roles\.storageBlobDataOwner, roles\.storageQueueDataContributor/);
    expect(rbac).toMatch(/serviceBusRoles = \[roles\.serviceBusDataReceiver, roles\.serviceBusDataSender\]/);
    expect(rbac.match(/principalId: identityPrincipalId/g)?.length).toBe(3);
    for (const module of ['infra/app/redis.bicep', 'infra/app/redis-cache.bicep']) {
      expect(read(module), module).toMatch(/accessPolicyAssignments@[\s\S]*objectId: identityPrincipalId/);
    }
    expect(main.match(/identityPrincipalId: identity\.outputs\.principalId/g)?.length).toBe(3);
  });

  it('turns shared keys and SAS off, and makes the queues and containers the apps use', () => {
    expect(main).toContain('allowSharedKeyAccess: false');
    expect(main).toContain('disableLocalAuth: true');
    const sb = read('infra/app/servicebus.bicep');
    expect(sb).toContain('disableLocalAuth: true');
    expect(sb).toContain('maxDeliveryCount: 10');
    expect(main).toContain("var requestQueue = 'scoring-requests'");
    expect(main).toContain("var replyQueue = 'scoring-replies'");
    expect(main).toContain("var inputContainer = 'images'");
    expect(main).toContain("var outputContainer = 'predictions'");
    expect(main).toContain("topicType: 'Microsoft.Storage.StorageAccounts'");
    // The Storage Queue app's queues (its poison queue too) and the container of its large answers.
    expect(main).toContain("var queueRequestQueue = 'scoring-queue-requests'");
    expect(main).toContain("var queueReplyQueue = 'scoring-queue-replies'");
    expect(main).toMatch(
      /queueServices: \{\s*queues: \[\s*\{ name: queueRequestQueue \}\s*\{ name: '\$\{queueRequestQueue\}-poison' \}\s*\{ name: queueReplyQueue \}/,
    );
    expect(main).toMatch(
      /deadLetterContainer\], \[queueAnswerContainer, serviceBusAnswerContainer, jobContainer\], modelsInBlob \? \[modelContainer\] : \[\]\)/,
    );
    // The Service Bus app's answers over the reply queue's max message size, named to the app.
    expect(main).toContain("var serviceBusAnswerContainer = 'servicebus-answers'");
    expect(main).toMatch(/SERVICEBUS_ANSWER_CONTAINER: serviceBusAnswerContainer/);
    // The HTTP app's jobs (POST /score answered 202): their container, their queue and its poison queue,
    // named to the app in its settings (the defaults of apps/score-http/src/jobs/job-settings.ts).
    expect(main).toContain("var jobContainer = 'jobs'");
    expect(main).toContain("var jobQueue = 'scoring-jobs'");
    expect(main).toMatch(/\{ name: jobQueue \}\s*\{ name: '\$\{jobQueue\}-poison' \}/);
    expect(main).toMatch(/HTTP_JOB_QUEUE: jobQueue\s*HTTP_JOB_CONTAINER: jobContainer/);
  });

  it("expires jobs: the retention on the HTTP app, and a lifecycle rule on the jobs container's blobs", () => {
    expect(paramDefault(main, 'httpJobRetentionHours')).toBe('24');
    expect(main).toContain('HTTP_JOB_RETENTION_HOURS: string(httpJobRetentionHours)');
    const storage = /module storage [^]*?\n\}\n/.exec(main)?.[0] ?? '';
    expect(storage).toMatch(
      /managementPolicyRules: \[\s*\{\s*name: 'expire-jobs'\s*enabled: true\s*type: 'Lifecycle'/,
    );
    expect(storage).toContain("prefixMatch: ['${jobContainer}/']");
    // Whole days, rounded up: never before the status URL itself stops answering.
    expect(storage).toContain(
      'delete: { daysAfterModificationGreaterThan: (httpJobRetentionHours + 23) / 24 }',
    );
  });

  it('lines up azure.yaml, the parameters file, main.bicep and the hooks', () => {
    const yaml = read('azure.yaml');
    const serviceBlock = yaml.slice(yaml.indexOf('\nservices:'));
    const services = [...serviceBlock.matchAll(/^ {2}([a-z-]+):$/gm)].map((m) => m[1]);
    expect([...services].sort()).toEqual(functionApps());
    for (const s of services) {
      const from = serviceBlock.indexOf(`\n  ${s}:\n`) + 1;
      const next = serviceBlock.slice(from + 3).search(/\n {2}\S/);
      const block = serviceBlock.slice(from, next < 0 ? undefined : from + 3 + next);
      expect(block).toContain(`project: ./apps/${s}`);
      expect(block).toContain(`dist: ../../dist/packages/${s}`);
      expect(block).toContain('language: js');
      expect(block).toContain('host: function');
      expect(block).toContain('remoteBuild: false');
    }
    // The azd-service-name tags come from this list (function-app.bicep tags each app with its service).
    const tagged = /var services = \[([^\]]*)\]/
      .exec(main)![1]
      .match(/'([^']+)'/g)!
      .map((s) => s.slice(1, -1));
    expect(tagged).toEqual(services);
    expect(read('infra/app/function-app.bicep')).toContain("'azd-service-name': serviceName");

    const outputs = [...main.matchAll(/^output (\w+) /gm)].map((m) => m[1]);
    for (const s of services) {
      const key = s.toUpperCase().replace(/-/g, '_');
      expect(outputs).toContain(`SERVICE_${key}_NAME`);
      expect(outputs).toContain(`SERVICE_${key}_URI`);
    }
    for (const hook of ['infra/hooks/blob-subscription.sh', 'infra/hooks/blob-subscription.ps1']) {
      expect(yaml).toContain(`./${hook}`);
      const vars = [...read(hook).matchAll(/\$(?:env:|\(\$env:)?([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]);
      expect(vars.length).toBeGreaterThan(0);
      for (const v of vars) expect(outputs, `${hook} reads ${v}`).toContain(v);
    }

    const params = JSON.parse(read('infra/main.parameters.json')) as { parameters: Record<string, unknown> };
    const declared = [...main.matchAll(/^param (\w+) \w+( =)?/gm)].map((m) => ({
      name: m[1],
      optional: !!m[2],
    }));
    for (const p of Object.keys(params.parameters)) expect(declared.map((d) => d.name)).toContain(p);
    for (const d of declared.filter((d) => !d.optional))
      expect(Object.keys(params.parameters)).toContain(d.name);
  });

  it('references only modules that exist', () => {
    for (const file of bicepFiles) {
      for (const m of read(file).matchAll(/^module \w+ '([^']+)'/gm)) {
        if (m[1].startsWith('br/public:avm/')) continue;
        expect(existsSync(join(ROOT, file, '..', m[1])), `${file} uses ${m[1]}`).toBe(true);
      }
    }
  });

  it('runs the apps on Node 22', () => {
    expect(paramDefault(main, 'nodeVersion')).toBe('22');
    expect(main).toContain('runtimeVersion: nodeVersion');
    const app = read('infra/app/function-app.bicep');
    expect(paramDefault(app, 'runtimeVersion')).toBe('22');
    expect(app).toMatch(/runtime: \{\s*name: 'node'\s*version: runtimeVersion\s*\}/);
  });

  it("starts every app's Node worker with arguments that Node 22 accepts", () => {
    // The host passes languageWorkers__node__arguments to the worker's node: a flag that Node or V8 no
    // longer knows would stop every worker at start, so they are tried on the Node the apps run on.
    const m = /^\s*languageWorkers__node__arguments:\s*'([^']*)'/m.exec(
      braced(main, main.indexOf('var sharedSettings')),
    );
    expect(m, 'sharedSettings sets languageWorkers__node__arguments').not.toBeNull();
    const args = m![1].split(/\s+/).filter(Boolean);
    expect(args).toContain('--heap-growing-percent=30');
    expect(process.versions.node.split('.')[0]).toBe('22');
    const run = spawnSync(process.execPath, [...args, '-e', 'process.stdout.write("ok")'], {
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('ok');
  });

  it('sizes every instance by INSTANCE_MEMORY_MB and serves the models MODELS names, every one by default', () => {
    expect(main).toMatch(/@allowed\(\[512, 2048, 4096\]\)\nparam instanceMemoryMB int = 2048/);
    expect(main).toContain('      instanceMemoryMB: instanceMemoryMB\n');
    expect(read('infra/app/function-app.bicep')).toContain('instanceMemoryMB: instanceMemoryMB');
    // MODELS is set only when chosen: an empty MODELS app setting would not mean "every model".
    expect(main).toContain('var modelsChosen = !empty(models)');
    expect(optionalKeys(main, 'modelSelection')).toEqual(['MODELS']);
    expect(main).toContain('union(sharedSettings, modelSettings, modelSelection, appSettings[service])');
  });

  it('gives every parameter file default the value the Bicep parameter defaults to', () => {
    const params = JSON.parse(read('infra/main.parameters.json')) as {
      parameters: Record<string, { value: string }>;
    };
    const defaults = Object.entries(params.parameters).flatMap(([name, { value }]) => {
      const m = /^\$\{(\w+)=([^}]*)\}$/.exec(value);
      return m ? [{ name, env: m[1], value: m[2] }] : [];
    });
    expect(defaults.map((d) => d.env).sort()).toEqual([
      'AZURE_PRINCIPAL_TYPE',
      'HTTP_ALWAYS_READY_INSTANCES',
      'HTTP_JOB_RETENTION_HOURS',
      'HTTP_PER_INSTANCE_CONCURRENCY',
      'INSTANCE_MEMORY_MB',
      'MODELS',
      'MODELS_IN_BLOB',
      'REDIS_SERVICE',
    ]);
    for (const d of defaults) expect(paramDefault(main, d.name), d.name).toBe(d.value);
  });
});

describe('infra/ Redis: Azure Managed Redis by default, Azure Cache for Redis on request', () => {
  const managed = read('infra/app/redis.bicep');
  const cache = read('infra/app/redis-cache.bicep');

  it('creates an Azure Managed Redis cluster: Balanced_B0, TLS 1.2', () => {
    const cluster = resourceOf(managed, 'Microsoft.Cache/redisEnterprise');
    expect(cluster).toMatch(/'Microsoft\.Cache\/redisEnterprise@2025-\d\d-\d\d'/);
    expect(cluster).toMatch(/sku: \{\s*name: skuName\s*\}/);
    expect(paramDefault(managed, 'skuName')).toBe('Balanced_B0');
    expect(paramDefault(main, 'managedRedisSku')).toBe('Balanced_B0');
    expect(cluster).toContain("minimumTlsVersion: '1.2'");
    expect(managed).toMatch(/^output hostName string = cluster\.properties\.hostName$/m);
  });

  it('makes its `default` database: TLS on 10000, Enterprise clustering, AllKeysLRU, no access keys', () => {
    const db = resourceOf(managed, 'Microsoft.Cache/redisEnterprise/databases');
    expect(db).toContain('parent: cluster');
    expect(db).toContain("name: 'default'");
    expect(db).toContain("clientProtocol: 'Encrypted'");
    expect(db).toContain('port: 10000');
    // The apps' client is not cluster-aware and sends MGET across slots: only EnterpriseCluster serves that.
    expect(db).toContain("clusteringPolicy: 'EnterpriseCluster'");
    expect(db).toContain("evictionPolicy: 'AllKeysLRU'");
    expect(db).toContain("accessKeysAuthentication: 'Disabled'");
    expect(managed).toMatch(/^output port int = database\.properties\.port$/m);
  });

  it("assigns the apps' identity the database's Entra access policy", () => {
    const access = resourceOf(managed, 'Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments');
    expect(access).toContain('parent: database');
    expect(access).toMatch(/name: '[A-Za-z0-9]{1,60}'/);
    expect(access).toContain("accessPolicyName: 'default'");
    expect(access).toMatch(/user: \{\s*objectId: identityPrincipalId\s*\}/);
  });

  it('keeps Azure Cache for Redis (Basic/Standard/Premium, Entra only, allkeys-lru) with the same outputs', () => {
    const redis = resourceOf(cache, 'Microsoft.Cache/redis');
    expect(cache).toContain("@allowed(['Basic', 'Standard', 'Premium'])");
    expect(redis).toContain("'aad-enabled': 'true'");
    expect(redis).toContain('disableAccessKeyAuthentication: true');
    expect(redis).toContain("'maxmemory-policy': 'allkeys-lru'");
    const outputs = (text: string) => [...text.matchAll(/^output (\w+ \w+) /gm)].map((m) => m[1]).sort();
    expect(outputs(cache)).toEqual(outputs(managed));
  });

  it('picks the service with redisService (managed by default) and hands the apps one set of settings', () => {
    expect(main).toContain("@allowed(['managed', 'cache'])");
    expect(paramDefault(main, 'redisService')).toBe('managed');
    expect(main).toMatch(/^module managedRedis 'app\/redis\.bicep' = if \(redisService == 'managed'\)/m);
    expect(main).toMatch(/^module cacheRedis 'app\/redis-cache\.bicep' = if \(redisService == 'cache'\)/m);
    expect(main).toContain("name: '${abbrs.cacheRedisEnterprise}${resourceToken}'");
    expect(JSON.parse(read('infra/abbreviations.json'))).toHaveProperty('cacheRedisEnterprise');
    const shared = braced(main, main.indexOf('var sharedSettings = {'));
    expect(shared).toContain("REDIS_URL: 'rediss://${redisHostName}:${redisPort}'");
    expect(shared).toContain('REDIS_USERNAME: identity.outputs.principalId');
    expect(shared).toContain("REDIS_CREDENTIAL: 'managedidentity'");
    expect(shared).toContain('REDIS_CLIENT_ID: identity.outputs.clientId');
    for (const v of ['redisHostName', 'redisPort']) {
      const m = new RegExp(
        `^var ${v} = redisService == 'managed' \\? managedRedis!\\.outputs\\.(\\w+) : cacheRedis!\\.outputs\\.(\\w+)$`,
        'm',
      ).exec(main);
      expect(m, v).not.toBeNull();
      expect(m![1]).toBe(m![2]);
    }
  });
});

describe('infra/ for CI: principalType, scale settings, auth level', () => {
  it('assigns roles to the principal running azd with the type AZURE_PRINCIPAL_TYPE names', () => {
    const params = read('infra/main.parameters.json');
    expect(params).toContain('"value": "${AZURE_PRINCIPAL_TYPE=User}"');
    expect(main).toContain("@allowed(['User', 'ServicePrincipal', 'Group'])");
    expect(main).toContain('userPrincipalType: principalType');
    const rbac = read('infra/app/rbac.bicep');
    expect(rbac).not.toMatch(/principalType: 'User'/);
    const toUser = rbac.match(/principalId: userPrincipalId/g)?.length ?? 0;
    expect(toUser).toBeGreaterThan(0);
    expect(rbac.match(/principalType: userPrincipalType/g)?.length).toBe(toUser);
  });

  it('exposes always-ready instances (none by default) and HTTP per-instance concurrency for the HTTP app', () => {
    const app = read('infra/app/function-app.bicep');
    const scale = braced(app, app.indexOf('scaleAndConcurrency: {'));
    expect(scale).toContain("[{ name: 'http', instanceCount: alwaysReadyHttpInstances }]");
    expect(scale).toMatch(
      /triggers: \{\s*http: \{\s*perInstanceConcurrency: httpPerInstanceConcurrency\s*\}/,
    );
    expect(paramDefault(app, 'alwaysReadyHttpInstances')).toBe('0');
    expect(paramDefault(main, 'httpAlwaysReadyInstances')).toBe('0');
    expect(paramDefault(main, 'httpPerInstanceConcurrency')).toBe('16');
    expect(main).toContain(
      "alwaysReadyHttpInstances: service == 'score-http' ? httpAlwaysReadyInstances : 0",
    );
    expect(main).toContain('httpPerInstanceConcurrency: httpPerInstanceConcurrency');
  });

  it('asks for function keys on the HTTP app', () => {
    const http = braced(main, main.indexOf("'score-http': {"));
    expect(http).toContain("HTTP_AUTH_LEVEL: 'function'");
  });
});

describe('azure.yaml', () => {
  const yaml = read('azure.yaml');
  const rootScripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;

  it('packages each service in its own prepackage hook, so `azd deploy` alone never ships stale packages', () => {
    const rootHooks = yaml.slice(yaml.indexOf('\nhooks:'), yaml.indexOf('\nservices:'));
    expect(rootHooks).not.toContain('prepackage');
    expect(rootScripts.package).toBeDefined();
    for (const app of functionApps()) {
      const block = serviceBlock(yaml, app);
      const hook = block.slice(block.indexOf('\n    hooks:\n      prepackage:\n'));
      const runs = [...hook.matchAll(/^ {10}run: (.+)$/gm)].map((m) => m[1]);
      expect(runs, app).toEqual([
        `npm --prefix ../.. run package -- ${app}`,
        `npm --prefix ../.. run package -- ${app}`,
      ]);
      expect(hook).toMatch(/posix:\s*shell: sh/);
      expect(hook).toMatch(/windows:\s*shell: pwsh/);
      // The hook runs in the service's folder: ../.. must be the workspace root with the package script.
      const project = /project: (\S+)/.exec(block)![1];
      expect(resolve(ROOT, project, '../..')).toBe(ROOT);
    }
  });

  it('requires an azd that deploys to Flex Consumption', () => {
    const m = /^requiredVersions:\n {2}azd: '>= ?(\d+)\.(\d+)\.(\d+)'$/m.exec(yaml);
    expect(m).not.toBeNull();
    expect(Number(m![1]) * 1000 + Number(m![2])).toBeGreaterThanOrEqual(1010);
  });
});

describe('infra/hooks: the Event Grid subscription', () => {
  const sh = read('infra/hooks/blob-subscription.sh');
  const ps1 = read('infra/hooks/blob-subscription.ps1');
  /** The --options of the `az eventgrid ... create` command of a hook. */
  const createOptions = (text: string) => {
    const at = text.indexOf('az eventgrid system-topic event-subscription create');
    expect(at).toBeGreaterThanOrEqual(0);
    const command = text.slice(at, text.indexOf('\n', text.indexOf('--deadletter-endpoint', at)));
    return [...command.matchAll(/ (--[a-z-]+)/g)].map((m) => m[1]);
  };

  it('makes the dead-letter container and tells the hooks where it is', () => {
    expect(main).toContain("var deadLetterContainer = 'eventgrid-deadletter'");
    expect(main).toMatch(/\[inputContainer, outputContainer, deadLetterContainer\]/);
    expect(main).toContain('output EVENT_GRID_DEADLETTER_CONTAINER string = deadLetterContainer');
    expect(main).toContain('output AZURE_STORAGE_ACCOUNT_ID string = storage.outputs.resourceId');
  });

  it('both scripts retry the key lookup with backoff and give the subscription a dead-letter container', () => {
    const deadLetter =
      /--deadletter-endpoint "\$\(?(?:\$env:)?AZURE_STORAGE_ACCOUNT_ID\)?\/blobServices\/default\/containers\/\$\(?(?:\$env:)?EVENT_GRID_DEADLETTER_CONTAINER\)?"/;
    expect(sh).toMatch(deadLetter);
    expect(ps1).toMatch(deadLetter);
    expect(sh).toMatch(/while :; do\n\s+key=\$\(az functionapp keys list/);
    expect(sh).toMatch(/sleep "\$delay"/);
    expect(sh).toContain('delay=$((delay * 2))');
    expect(ps1).toMatch(/for \(\$attempt = 1; ; \$attempt\+\+\) \{[\s\S]*\$key = az functionapp keys list/);
    expect(ps1).toContain('Start-Sleep -Seconds $delay');
    expect(ps1).toContain('$delay = [Math]::Min($delay * 2, 60)');
    for (const text of [sh, ps1]) {
      expect(text).toMatch(/tries ?= ?10\b/);
      expect(text).toMatch(/delay ?= ?5\b/);
    }
    // In step: the same options on the same command.
    expect(createOptions(ps1)).toEqual(createOptions(sh));
  });

  it('the sh hook waits for the key (5, 10, 20 s), then creates the subscription with the dead-letter endpoint', () => {
    const dir = mkdtempSync(join(tmpdir(), 'blob-hook-'));
    try {
      const bin = join(dir, 'bin');
      const stub = (name: string, body: string) => {
        writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
        chmodSync(join(bin, name), 0o755);
      };
      mkdirSync(bin);
      stub(
        'azd',
        `cat <<'X'
AZURE_RESOURCE_GROUP="rg-t"
SERVICE_SCORE_BLOB_NAME="func-blob"
SERVICE_SCORE_BLOB_URI="https://func-blob.example"
EVENT_GRID_SYSTEM_TOPIC_NAME="evgst-t"
BLOB_INPUT_CONTAINER="images"
AZURE_STORAGE_ACCOUNT_ID="/subscriptions/s/resourceGroups/rg-t/providers/Microsoft.Storage/storageAccounts/stt"
EVENT_GRID_DEADLETTER_CONTAINER="eventgrid-deadletter"
X`,
      );
      // The key appears on the fourth lookup; before that az fails as it does while the host starts.
      stub(
        'az',
        `if [ "$1 $2" = "functionapp keys" ]; then
  n=$(($(cat "${dir}/lookups" 2>/dev/null || echo 0) + 1)); echo "$n" > "${dir}/lookups"
  if [ "$n" -lt 4 ]; then echo "host not started" >&2; exit 1; fi
  echo key123; exit 0
fi
printf '%s\\n' "$@" > "${dir}/create"`,
      );
      stub('sleep', `echo "$1" >> "${dir}/sleeps"`);
      const run = spawnSync('sh', [join(ROOT, 'infra/hooks/blob-subscription.sh')], {
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
        encoding: 'utf8',
      });
      expect(run.status, run.stderr).toBe(0);
      expect(readFileSync(join(dir, 'sleeps'), 'utf8').split('\n').filter(Boolean)).toEqual([
        '5',
        '10',
        '20',
      ]);
      const args = readFileSync(join(dir, 'create'), 'utf8').split('\n');
      const arg = (name: string) => args[args.indexOf(name) + 1];
      expect(args.slice(0, 4)).toEqual(['eventgrid', 'system-topic', 'event-subscription', 'create']);
      expect(arg('--endpoint')).toBe(
        'https://func-blob.example/runtime/webhooks/blobs?functionName=Host.Functions.scoreBlob&code=key123',
      );
      expect(arg('--deadletter-endpoint')).toBe(
        '/subscriptions/s/resourceGroups/rg-t/providers/Microsoft.Storage/storageAccounts/stt/blobServices/default/containers/eventgrid-deadletter',
      );
      expect(arg('--subject-begins-with')).toBe('/blobServices/default/containers/images/');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('infra/ with the models in blob storage (MODELS_IN_BLOB, issue 27 item 3)', () => {
  it('is off by default: the models ship in the packages and nothing polls', () => {
    expect(paramDefault(main, 'modelsInBlob')).toBe('false');
    expect(read('infra/main.parameters.json')).toContain('"value": "${MODELS_IN_BLOB=false}"');
    expect(main).toMatch(/^var modelSettings = modelsInBlob \? \{$[^]*?^\} : \{\}$/m);
  });

  it('makes the models container and points every app at it, polling, with the identity', () => {
    expect(main).toContain("var modelContainer = 'models'");
    expect(main).toContain('modelsInBlob ? [modelContainer] : []');
    const settings = braced(main, main.indexOf('var modelSettings = '));
    expect(settings).toContain("MODEL_REPOSITORY: 'blob:${modelContainer}'");
    expect(settings).toContain("MODEL_CONTROL_MODE: 'poll'");
    expect(main).toContain(
      'appSettings: union(sharedSettings, modelSettings, modelSelection, appSettings[service])',
    );
    // blob:<container> reads AzureWebJobsStorage__accountName/__credential/__clientId, every app's, and the
    // identity may read every container of the account; the principal running azd may upload.
    expect(read('infra/app/function-app.bicep')).toContain('AzureWebJobsStorage__accountName: stg.name');
    const rbac = read('infra/app/rbac.bicep');
    expect(rbac).toMatch(/storageRoles = \[roles\.storageBlobDataOwner,/);
    expect(rbac).toMatch(/userStorage [^]*?roles\.storageBlobDataOwner/);
    expect(main).toContain("output MODEL_CONTAINER string = modelsInBlob ? modelContainer : ''");
  });

  it("the sh hook subscribes the HTTP app's /repository/events to the container's changes, with its function key", () => {
    const dir = mkdtempSync(join(tmpdir(), 'models-hook-'));
    try {
      const bin = join(dir, 'bin');
      mkdirSync(bin);
      const stub = (name: string, body: string) => {
        writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
        chmodSync(join(bin, name), 0o755);
      };
      const apps = ['http', 'blob', 'servicebus', 'queue'];
      const app = (a: string) =>
        `SERVICE_SCORE_${a.toUpperCase()}_NAME="func-${a}"\nSERVICE_SCORE_${a.toUpperCase()}_URI="https://func-${a}.example"`;
      stub(
        'azd',
        `cat <<'X'
AZURE_RESOURCE_GROUP="rg-t"
${apps.map(app).join('\n')}
EVENT_GRID_SYSTEM_TOPIC_NAME="evgst-t"
BLOB_INPUT_CONTAINER="images"
AZURE_STORAGE_ACCOUNT_ID="/subscriptions/s/resourceGroups/rg-t/providers/Microsoft.Storage/storageAccounts/stt"
EVENT_GRID_DEADLETTER_CONTAINER="eventgrid-deadletter"
MODEL_CONTAINER="models"
X`,
      );
      // A key is "<what --query asked>@<app>"; every create is appended to the log, one argument a line.
      stub(
        'az',
        `if [ "$1 $2" = "functionapp keys" ]; then
  q=$(printf '%s\\n' "$@" | grep 'Keys\\.'); n=$(printf '%s\\n' "$@" | grep '^func-')
  echo "$q@$n"; exit 0
fi
{ printf '%s\\n' "$@"; echo ---; } >> "${dir}/creates"`,
      );
      const run = spawnSync('sh', [join(ROOT, 'infra/hooks/blob-subscription.sh')], {
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
        encoding: 'utf8',
      });
      expect(run.status, run.stderr).toBe(0);
      const creates = readFileSync(join(dir, 'creates'), 'utf8')
        .split('---\n')
        .filter(Boolean)
        .map((c) => c.split('\n'));
      const arg = (args: string[], name: string) => args[args.indexOf(name) + 1];
      expect(creates.map((c) => arg(c, '-n'))).toEqual(['score-blob-images', 'score-http-models']);
      expect(arg(creates[0], '--endpoint')).toContain('code=systemKeys.blobs_extension@func-blob');
      const c = creates[1];
      expect(arg(c, '--endpoint')).toBe(
        'https://func-http.example/repository/events?code=functionKeys.default@func-http',
      );
      expect(arg(c, '--subject-begins-with')).toBe('/blobServices/default/containers/models/');
      const types = c.slice(c.indexOf('--included-event-types') + 1, c.indexOf('--subject-begins-with'));
      expect(types).toEqual(['Microsoft.Storage.BlobCreated', 'Microsoft.Storage.BlobDeleted']);
      expect([arg(c, '--max-delivery-attempts'), arg(c, '--event-ttl')]).toEqual(['3', '10']);
      expect(c).not.toContain('--deadletter-endpoint');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the ps1 hook makes the same subscription', () => {
    const ps1 = read('infra/hooks/blob-subscription.ps1');
    expect(ps1).toContain("$key = Get-HostKey $env:SERVICE_SCORE_BLOB_NAME 'systemKeys.blobs_extension'");
    expect(ps1).toContain('if ($env:MODEL_CONTAINER) {');
    expect(ps1).toContain("$key = Get-HostKey $env:SERVICE_SCORE_HTTP_NAME 'functionKeys.default'");
    expect(ps1).toContain('-n score-http-models');
    expect(ps1).toContain('--endpoint "$($env:SERVICE_SCORE_HTTP_URI)/repository/events?code=$key"');
    expect(ps1).toContain(
      '--included-event-types Microsoft.Storage.BlobCreated Microsoft.Storage.BlobDeleted',
    );
    expect(ps1).toContain(
      '--subject-begins-with "/blobServices/default/containers/$($env:MODEL_CONTAINER)/"',
    );
    expect(ps1).toContain('--max-delivery-attempts 3 --event-ttl 10');
  });
});

describe('.github/workflows/azure-dev.yml', () => {
  const path = '.github/workflows/azure-dev.yml';

  it('provisions then deploys with federated credentials (OIDC), azd and az both signed in', () => {
    expect(existsSync(join(ROOT, path))).toBe(true);
    const wf = read(path);
    expect(wf).toMatch(/^permissions:\n {2}id-token: write\n {2}contents: read$/m);
    for (const v of [
      'AZURE_CLIENT_ID',
      'AZURE_TENANT_ID',
      'AZURE_SUBSCRIPTION_ID',
      'AZURE_ENV_NAME',
      'AZURE_LOCATION',
      'AZURE_PRINCIPAL_TYPE',
    ]) {
      expect(wf).toMatch(new RegExp(`^ {6}${v}: \\$\\{\\{ vars\\.${v}\\b`, 'm'));
    }
    const steps = [
      'uses: actions/checkout@',
      'node-version: 22',
      'run: npm ci',
      'uses: Azure/setup-azd@',
      '--federated-credential-provider github',
      'uses: azure/login@',
      'run: azd provision --no-prompt',
      'run: azd deploy --no-prompt',
    ].map((step) => ({ step, at: wf.indexOf(step) }));
    for (const { step, at } of steps) expect(at, step).toBeGreaterThan(0);
    expect(steps.map((s) => s.at)).toEqual([...steps.map((s) => s.at)].sort((a, b) => a - b));
    expect(wf).toContain('--client-id "$AZURE_CLIENT_ID"');
    expect(wf).toContain('--tenant-id "$AZURE_TENANT_ID"');
    expect(wf).not.toMatch(/client-secret|secrets\./);
  });
});
