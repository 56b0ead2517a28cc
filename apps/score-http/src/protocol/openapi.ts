import type { DataType, ModelRepository, ModelVersion } from '@modelfn/scoring';
import { repositoryPaths } from './openapi-repository.js';
import { SERVER_NAME, SERVER_VERSION } from './v2-metadata.js';

const errorSchema = {
  type: 'object',
  required: ['error', 'code'],
  properties: { error: { type: 'string' }, code: { type: 'string' } },
};

const errors = Object.fromEntries(
  [
    ['400', 'Invalid input (shape, datatype, non-finite value, undecodable image)'],
    ['404', 'Unknown model, version or data_key'],
    ['413', 'Body, row count or image dimensions over the limit, or an answer over MAX_RESPONSE_BYTES'],
    ['415', 'Unsupported content type'],
    ['503', 'Model not ready'],
  ].map(([status, description]) => [
    status,
    { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
  ]),
);

/** `{id, statusUri, status}`: a request answered later (202), at POST time and from its status URL. */
const jobAcceptedSchema = {
  type: 'object',
  required: ['id', 'statusUri', 'status'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    statusUri: { type: 'string', format: 'uri', description: 'GET it for the answer: /score/jobs/{id}' },
    status: { type: 'string', enum: ['running'] },
  },
};

const jobHeaders = {
  Location: { description: 'the status URL', schema: { type: 'string', format: 'uri' } },
  'Retry-After': { description: 'seconds to wait before asking again', schema: { type: 'integer' } },
};

const jobRunning = (description: string, headers: object = {}) => ({
  description,
  headers: { ...jobHeaders, ...headers },
  content: { 'application/json': { schema: { $ref: '#/components/schemas/JobAccepted' } } },
});

function elementSchema(d: DataType): object {
  if (d === 'BOOL') return { type: 'boolean' };
  if (d === 'BYTES') return { type: 'string' };
  if (d.startsWith('FP')) return { type: 'number' };
  return { type: 'integer' };
}

/** JSON schema of values nested as `dims` (-1: any length). */
function nestedSchema(d: DataType, dims: number[]): object {
  return dims.reduceRight<object>(
    (items, n) => ({ type: 'array', items, ...(n > 0 ? { minItems: n, maxItems: n } : {}) }),
    elementSchema(d),
  );
}

/** The `data` of an Azure ML style body for this model: rows of its input, or its inputs by name. */
function amlData(v: ModelVersion): object {
  const rows = (t: ModelVersion['inputs'][number]) =>
    v.batched ? { type: 'array', items: nestedSchema(t.datatype, t.dims) } : nestedSchema(t.datatype, t.dims);
  if (v.inputs.length === 1) return rows(v.inputs[0]);
  return {
    type: 'object',
    required: v.inputs.map((t) => t.name),
    properties: Object.fromEntries(v.inputs.map((t) => [t.name, rows(t)])),
  };
}

function v2Request(v: ModelVersion): object {
  return {
    type: 'object',
    required: ['inputs'],
    properties: {
      id: { type: 'string' },
      parameters: { type: 'object' },
      inputs: {
        type: 'array',
        items: {
          oneOf: v.inputs.map((t) => ({
            type: 'object',
            required: ['name', 'shape', 'datatype'],
            properties: {
              name: { type: 'string', enum: [t.name] },
              datatype: { type: 'string', enum: [t.datatype] },
              shape: {
                type: 'array',
                items: { type: 'integer' },
                example: v.batched ? [1, ...t.dims.map((d) => (d > 0 ? d : 1))] : t.dims,
              },
              data: { type: 'array', items: {} },
              parameters: { type: 'object', properties: { binary_data_size: { type: 'integer' } } },
            },
          })),
        },
      },
      outputs: {
        type: 'array',
        items: {
          type: 'object',
          required: ['name'],
          properties: {
            name: { type: 'string', enum: v.outputs.map((t) => t.name) },
            parameters: {
              type: 'object',
              properties: {
                binary_data: { type: 'boolean' },
                classification: { type: 'integer', minimum: 1 },
              },
            },
          },
        },
      },
    },
  };
}

/** A detector's answer per image: its objects after NMS, boxes in the sent image's pixels. */
function detectionsSchema(v: ModelVersion): object {
  const labels = v.detection?.labels;
  return {
    type: 'array',
    description: 'the objects found in the image, best first (postprocessing.detection)',
    items: {
      type: 'object',
      required: ['label', 'score', 'box'],
      properties: {
        label: labels ? { enum: labels } : { type: 'integer', description: 'the class index' },
        score: { type: 'number' },
        box: {
          type: 'array',
          description: '[x1, y1, x2, y2] in pixels of the image that was sent, clipped to it',
          items: { type: 'number' },
          minItems: 4,
          maxItems: 4,
        },
      },
    },
  };
}

function scoreResponse(v: ModelVersion): object {
  if (v.detection) return { type: 'array', items: detectionsSchema(v) };
  const labels = v.classification?.labels;
  if (v.classification) return { type: 'array', items: labels ? { enum: labels } : {} };
  return {
    type: 'array',
    items: {
      type: 'object',
      properties: Object.fromEntries(v.outputs.map((t) => [t.name, nestedSchema(t.datatype, t.dims)])),
    },
  };
}

function inferPath(v: ModelVersion): object {
  return {
    post: {
      summary: `Open Inference Protocol v2 inference on ${v.name}`,
      requestBody: { required: true, content: { 'application/json': { schema: v2Request(v) } } },
      responses: { '200': { description: 'Output tensors' }, ...errors },
    },
  };
}

/**
 * An OpenAPI 3 document generated from every served model's signature: one `infer` path per model with
 * its inputs and outputs, and `/score` as the default model takes it.
 */
export function openApiDocument(repo: ModelRepository) {
  const model = repo.find(undefined);
  const served = repo.names().map((name) => repo.find(name));
  // A model with an entry script takes raw requests on /score only: it has no tensor signature to document.
  const tensorModels = served.filter((v) => !v.entry && !v.script);
  const image = !!model.image;
  // Documented when a served model answers images (config.json postprocessing.image).
  const imageAnswers = served.filter((v) => v.imageOutput).map((v) => v.name);
  const imageAnswer = {
    schema: {
      type: 'string',
      format: 'binary',
      description: `Accept: image/png, image/webp or image/* (models ${imageAnswers.join(', ')}): the output of postprocessing.image as an image, by default the size of the image sent (a mask, or the sent image with the mask as alpha); header x-output-name`,
    },
  };
  // What POST /score answers, and a job's status URL once the job is done.
  const scored = {
    description: 'One prediction per row',
    content: {
      'application/json': { schema: scoreResponse(model) },
      // Accept: application/octet-stream, one output selected.
      'application/octet-stream': {
        schema: {
          type: 'string',
          format: 'binary',
          description:
            "one output's elements, little-endian; headers x-output-name, x-output-shape, x-output-datatype",
        },
      },
      ...(imageAnswers.length > 0 ? { 'image/png': imageAnswer, 'image/webp': imageAnswer } : {}),
    },
  };
  return {
    openapi: '3.0.3',
    info: {
      title: `${SERVER_NAME} scoring API`,
      version: SERVER_VERSION,
      description: `Models: ${served.map((v) => `${v.name} version ${v.version} (${v.state})`).join(', ')}. Default model: ${model.name}.`,
    },
    paths: {
      '/score': {
        post: {
          summary: `Azure ML compatible scoring (default model ${model.name}; others by x-model)`,
          parameters: [
            { name: 'probabilities', in: 'query', schema: { type: 'boolean' } },
            { name: 'top', in: 'query', schema: { type: 'integer', minimum: 1 } },
            {
              name: 'outputs',
              in: 'query',
              description:
                'the outputs to answer, comma-separated (default every output); only these are run',
              schema: { type: 'string', example: model.outputs.map((o) => o.name).join(',') },
            },
            {
              name: 'x-model',
              in: 'header',
              schema: { type: 'string', example: `${model.name}:${model.version}` },
            },
            {
              name: 'prefer',
              in: 'header',
              description:
                'respond-async (RFC 7240): answer 202 with a status URL and run the request as a job, ' +
                "bounded by the model's job_timeout_ms instead of timeout_ms",
              schema: { type: 'string', example: 'respond-async' },
            },
          ],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  oneOf: [
                    { type: 'object', required: ['data'], properties: { data: amlData(model) } },
                    { type: 'object', required: ['data_key'], properties: { data_key: { type: 'string' } } },
                  ],
                },
              },
              ...(image
                ? {
                    'image/png': { schema: { type: 'string', format: 'binary' } },
                    'image/jpeg': { schema: { type: 'string', format: 'binary' } },
                  }
                : {}),
              'application/octet-stream': {
                schema: {
                  type: 'string',
                  format: 'binary',
                  description: 'little-endian rows of the input datatype',
                },
              },
            },
          },
          responses: {
            '200': scored,
            '202': jobRunning(
              'Accepted, answered later at the status URL (Location): sent with `Prefer: respond-async`, or ' +
                "the model's entry script asked (a document over OCR_ASYNC_PAGES pages). Only where the app has " +
                'AzureWebJobsStorage; elsewhere every request is answered at once, as RFC 7240 allows',
              {
                'Preference-Applied': {
                  description: 'respond-async, when the caller asked for it',
                  schema: { type: 'string', enum: ['respond-async'] },
                },
              },
            ),
            '406': {
              description:
                'Accept: application/octet-stream with more than one output (select one with ?outputs=); ' +
                'Accept: image/* for a model without postprocessing.image, several rows or other outputs selected',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
            },
            ...errors,
          },
        },
      },
      '/score/jobs/{id}': {
        get: {
          summary: 'The status URL of a request POST /score answered 202 (the Functions async HTTP pattern)',
          parameters: [
            { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
          ],
          responses: {
            '200': scored,
            '202': jobRunning('Still running: ask again after Retry-After'),
            '404': {
              description:
                'JOB_NOT_FOUND: no job has this id, or its answer is older than HTTP_JOB_RETENTION_HOURS',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
            },
            default: {
              description:
                'The job failed: the status and {error, code} POST /score would have answered (e.g. 400 ' +
                'ENCRYPTED_DOCUMENT, 504 TIMEOUT past job_timeout_ms)',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
            },
          },
        },
      },
      ...Object.fromEntries(tensorModels.map((v) => [`/v2/models/${v.name}/infer`, inferPath(v)])),
      '/v2/models/{model}': {
        get: {
          summary: 'Model metadata',
          parameters: [
            { name: 'model', in: 'path', required: true, schema: { type: 'string', enum: repo.names() } },
          ],
          responses: { '200': { description: 'Metadata' }, ...errors },
        },
      },
      '/v2/models/{model}/config': {
        get: {
          summary: 'Effective model configuration (config.json auto-completed from the ONNX signature)',
          parameters: [
            { name: 'model', in: 'path', required: true, schema: { type: 'string', enum: repo.names() } },
          ],
          responses: { '200': { description: 'Config' }, ...errors },
        },
      },
      ...repositoryPaths(),
      '/v2/health/live': { get: { summary: 'Liveness', responses: { '200': { description: 'Live' } } } },
      '/v2/health/ready': {
        get: {
          summary: 'Readiness',
          responses: { '200': { description: 'Ready' }, '503': { description: 'Not ready' } },
        },
      },
    },
    components: { schemas: { Error: errorSchema, JobAccepted: jobAcceptedSchema } },
  };
}
