import type { ModelRepository } from './model/model-repository.js';
import { SERVER_NAME, SERVER_VERSION } from './v2-metadata.js';

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: { error: { type: 'string' }, code: { type: 'string' } },
};

const errors = Object.fromEntries(
  [
    ['400', 'Invalid input (shape, datatype, non-finite value, undecodable image)'],
    ['404', 'Unknown model, version or data_key'],
    ['413', 'Body, row count or image dimensions over the limit'],
    ['415', 'Unsupported content type'],
    ['503', 'Model not ready'],
  ].map(([status, description]) => [
    status,
    { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
  ]),
);

/** An OpenAPI 3 document generated from the served models' signatures (the default model's for /score). */
export function openApiDocument(repo: ModelRepository) {
  const model = repo.find(undefined);
  const features = model.features;
  const labels = model.config.labels;
  const row = { type: 'array', items: { type: 'number' }, minItems: features, maxItems: features };
  const v2Tensor = {
    type: 'object',
    required: ['name', 'shape', 'datatype'],
    properties: {
      name: { type: 'string', enum: [model.config.input[0].name] },
      shape: { type: 'array', items: { type: 'integer' }, example: [1, features] },
      datatype: { type: 'string', enum: ['FP32'] },
      data: { type: 'array', items: {} },
      parameters: { type: 'object', properties: { binary_data_size: { type: 'integer' } } },
    },
  };
  const modelParams = [
    { name: 'model', in: 'path', required: true, schema: { type: 'string', enum: repo.names() } },
  ];
  return {
    openapi: '3.0.3',
    info: {
      title: `${SERVER_NAME} scoring API`,
      version: SERVER_VERSION,
      description: `Default model: ${model.name} version ${model.version} (${features} inputs, ${model.classes} outputs).`,
    },
    paths: {
      '/score': {
        post: {
          summary: 'Azure ML compatible scoring',
          parameters: [
            { name: 'probabilities', in: 'query', schema: { type: 'boolean' } },
            {
              name: 'x-model',
              in: 'header',
              schema: { type: 'string', example: `${model.name}:${model.version}` },
            },
          ],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  oneOf: [
                    {
                      type: 'object',
                      required: ['data'],
                      properties: { data: { type: 'array', items: row } },
                    },
                    { type: 'object', required: ['data_key'], properties: { data_key: { type: 'string' } } },
                  ],
                },
              },
              ...(model.config.preprocessing?.image
                ? {
                    'image/png': { schema: { type: 'string', format: 'binary' } },
                    'image/jpeg': { schema: { type: 'string', format: 'binary' } },
                  }
                : {}),
              'application/octet-stream': {
                schema: {
                  type: 'string',
                  format: 'binary',
                  description: `little-endian float32 rows of ${features} values`,
                },
              },
            },
          },
          responses: {
            '200': {
              description: 'One prediction per row',
              content: {
                'application/json': {
                  schema: {
                    type: 'array',
                    items: labels ? { enum: labels } : { type: 'integer' },
                  },
                },
              },
            },
            ...errors,
          },
        },
      },
      '/v2/models/{model}/infer': {
        post: {
          summary: 'Open Inference Protocol v2 inference',
          parameters: modelParams,
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['inputs'],
                  properties: { id: { type: 'string' }, inputs: { type: 'array', items: v2Tensor } },
                },
              },
            },
          },
          responses: { '200': { description: 'Output tensors' }, ...errors },
        },
      },
      '/v2/models/{model}': {
        get: {
          summary: 'Model metadata',
          parameters: modelParams,
          responses: { '200': { description: 'Metadata' }, ...errors },
        },
      },
      '/v2/health/live': { get: { summary: 'Liveness', responses: { '200': { description: 'Live' } } } },
      '/v2/health/ready': {
        get: {
          summary: 'Readiness',
          responses: { '200': { description: 'Ready' }, '503': { description: 'Not ready' } },
        },
      },
    },
    components: { schemas: { Error: errorSchema } },
  };
}
