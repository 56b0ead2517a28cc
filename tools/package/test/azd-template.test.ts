import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { functionApps } from '../src/index.js';

// Bicep cannot be compiled here, so the template is checked against what the code and azure.yaml expect:
// the settings the README documents, the roles the apps need, and names that must line up.
const ROOT = resolve(import.meta.dirname, '../../..');
const INFRA = join(ROOT, 'infra');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const bicepFiles = ['infra/main.bicep', ...readdirSync(join(INFRA, 'app')).map((f) => `infra/app/${f}`)];
const main = read('infra/main.bicep');

/** Settings the README's configuration table documents (first column, every `NAME`). */
function readmeSettings(): string[] {
  const readme = read('README.md');
  const start = readme.indexOf('\n## Configuration');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  return section
    .split('\n')
    .filter((l) => l.startsWith('| `'))
    .flatMap((l) => [...l.split('|')[1].matchAll(/`([^`]+)`/g)].map((m) => m[1]));
}

/** The keys of `var <name> = { ... }` (one level deep: nested objects' keys too) in a Bicep file. */
function objectKeys(text: string, varName: string): string[] {
  const at = text.indexOf(`var ${varName} = {`);
  if (at < 0) throw new Error(`no var ${varName}`);
  let depth = 0;
  let end = at;
  for (let i = text.indexOf('{', at); i < text.length; i++) {
    if (text[i] === '{') depth++;
    if (text[i] === '}' && --depth === 0) {
      end = i;
      break;
    }
  }
  return [...text.slice(at, end).matchAll(/^\s*'?([A-Za-z_][A-Za-z0-9_-]*)'?\s*:/gm)].map((m) => m[1]);
}

const templateSettings = new Set([
  ...objectKeys(main, 'sharedSettings'),
  ...objectKeys(main, 'appSettings'),
  ...objectKeys(read('infra/app/function-app.bicep'), 'baseAppSettings'),
]);

/** README settings the template leaves at their default, and why (README "Deploy to Azure" lists them). */
const LEFT_DEFAULT: Record<string, string> = {
  MODEL_REPOSITORY: "the package's own models/ folder (the bundle finds it from its location)",
  DEFAULT_MODEL: 'first model by name (mnist)',
  MAX_REQUEST_BYTES: 'limit',
  MAX_IMAGE_PIXELS: 'limit',
  MAX_BATCH_ROWS: 'limit',
  ORT_INTRA_OP_THREADS: 'one thread per session suits Flex instances',
  BATCHING: 'as each model config says',
  CACHE_MODE: 'redis, because REDIS_URL is set',
  REDIS_PASSWORD: 'no access keys: Entra ID (a token, issue 15)',
  REDIS_CLUSTER: 'Basic/Standard caches are not clustered',
  CACHE_TTL_SECONDS: 'tuning',
  CACHE_L1_BYTES: 'tuning',
  CACHE_TIMEOUT_MS: 'tuning',
  MODEL_LOAD_WAIT_MS: 'tuning',
  LOCAL_HOST_WORKERS: 'local host only',
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
  MODEL_CACHE_DIR: 'the models ship in the package (it matters only with MODEL_REPOSITORY as a container)',
  MAX_IMAGE_SIDE: 'limit',
  IMAGE_DECODE_MEMORY_BYTES: 'limit',
  IMAGE_DECODE_QUEUE: 'limit',
  MODEL_QUEUE_MAX_ROWS: 'limit',
  MODEL_QUEUE_MAX_BYTES: 'limit',
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
    const redis = read('infra/app/redis.bicep');
    expect(redis).toContain("'aad-enabled': 'true'");
    expect(redis).toContain('disableAccessKeyAuthentication: true');
    expect(redis).toMatch(/accessPolicyAssignments@[\s\S]*objectId: identityPrincipalId/);
    expect(main).toContain('identityPrincipalId: identity.outputs.principalId');
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
});
