// The OpenAPI paths of what changes the served models (issue 27): Triton's repository index, load and
// unload, and the Event Grid webhook of a blob model repository. Each error answer names its codes.

const errorContent = { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } };
const failure = (description: string) => ({ description, content: errorContent });

const versionRow = {
  type: 'object',
  required: ['version', 'state'],
  properties: {
    version: { type: 'string' },
    state: { type: 'string', enum: ['READY', 'LOADING', 'UNAVAILABLE'] },
    reason: { type: 'string', description: 'why it is not READY, or why newer files are not served' },
  },
};

const modelVersions = {
  description: 'The model and its versions as served now',
  content: {
    'application/json': {
      schema: {
        type: 'object',
        required: ['name', 'versions'],
        properties: { name: { type: 'string' }, versions: { type: 'array', items: versionRow } },
      },
    },
  },
};

const modelParameter = { name: 'model', in: 'path', required: true, schema: { type: 'string' } };

/** Triton's optional body: `parameters` other than unload_dependents are refused. */
const controlBody = {
  required: false,
  content: {
    'application/json': {
      schema: {
        type: 'object',
        properties: {
          parameters: {
            type: 'object',
            properties: { unload_dependents: { type: 'boolean', description: 'accepted, ignored' } },
            additionalProperties: false,
          },
        },
      },
    },
  },
};

const keyNote =
  "Takes the host's master key (the Functions admin level) where HTTP_AUTH_LEVEL asks for keys; a function key is refused (401).";

const controlFailures = (notFound: string) => ({
  '400': failure(
    'MODEL_CONTROL_DISABLED: MODEL_CONTROL_MODE is not explicit (none, or poll: the repository decides); ' +
      'MODEL_LOAD_FAILED (load): a version failed to load or warm up, the version loaded before keeps serving, ' +
      'the message says why; INVALID_JSON, INVALID_INPUT: a body that is not {"parameters": {...}}, or carries ' +
      "Triton's config or file:<path> (a model's files come from its repository)",
  ),
  '401': { description: "No key, or not the host's master key (answered by the Functions host)" },
  '404': failure(notFound),
  '413': failure('PAYLOAD_TOO_LARGE: a body over MAX_REQUEST_BYTES'),
  '503': failure('UNAVAILABLE: the host is shutting down'),
});

const eventsAnswer = {
  type: 'object',
  properties: {
    events: { type: 'integer', description: 'events in the delivery' },
    changes: { type: 'integer', description: 'events about blobs of the repository (container and prefix)' },
    repository: { type: 'string', enum: ['read', 'reading', 'unchanged'] },
  },
};

export function repositoryPaths() {
  return {
    '/v2/repository/index': {
      post: {
        summary: "Every served model version with its state and reason (Triton's repository index)",
        responses: {
          '200': {
            description: 'One row per version',
            content: {
              'application/json': {
                schema: {
                  type: 'array',
                  items: {
                    ...versionRow,
                    required: ['name', ...versionRow.required],
                    properties: {
                      name: { type: 'string' },
                      ...versionRow.properties,
                      traffic: {
                        type: 'number',
                        description: "the version's weight in its config.json traffic, when it has one",
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
    '/v2/repository/models/{model}/load': {
      post: {
        summary:
          "Triton's load (MODEL_CONTROL_MODE=explicit): the model read again from the repository, every served " +
          'version loaded and warmed aside, then swapped in; answered once it serves. ' +
          keyNote,
        parameters: [modelParameter],
        requestBody: controlBody,
        responses: {
          '200': modelVersions,
          ...controlFailures(
            'MODEL_NOT_FOUND: no such model folder in the repository, or MODELS leaves the model out',
          ),
        },
      },
    },
    '/v2/repository/models/{model}/unload': {
      post: {
        summary:
          "Triton's unload (MODEL_CONTROL_MODE=explicit): the model is no longer served (its versions answer " +
          '503 MODEL_NOT_READY "unloaded"); answered once the requests running on it have finished and it is ' +
          'released. ' +
          keyNote,
        parameters: [modelParameter],
        requestBody: controlBody,
        responses: {
          '200': modelVersions,
          ...controlFailures('MODEL_NOT_FOUND: the model is not served, or MODELS leaves it out'),
        },
      },
    },
    '/repository/events': {
      post: {
        summary:
          "Event Grid webhook of a blob model repository (MODEL_CONTROL_MODE=poll): the container's BlobCreated " +
          'and BlobDeleted events make the instance a delivery reaches read the repository now instead of at its ' +
          'next MODEL_POLL_INTERVAL_S (the other instances follow by polling). Takes a function key where ' +
          'HTTP_AUTH_LEVEL asks for keys (in the subscription URL).',
        parameters: [
          {
            name: 'aeg-event-type',
            in: 'header',
            required: true,
            schema: {
              type: 'string',
              enum: ['SubscriptionValidation', 'Notification', 'Unsubscribe', 'SubscriptionDeletion'],
            },
          },
        ],
        requestBody: {
          required: false,
          content: {
            'application/json': {
              schema: {
                description: 'Event Grid schema (an array) or CloudEvents (one event or an array)',
                oneOf: [{ type: 'array', items: { type: 'object' } }, { type: 'object' }],
              },
            },
          },
        },
        responses: {
          '200': {
            description:
              'SubscriptionValidation: {validationResponse}; Notification: the repository read (repository ' +
              '"read"), or no event about it ("unchanged")',
            content: {
              'application/json': {
                schema: {
                  oneOf: [
                    { type: 'object', properties: { validationResponse: { type: 'string' } } },
                    eventsAnswer,
                  ],
                },
              },
            },
          },
          '202': {
            description:
              'Notification: still reading after 20 s (repository "reading": it goes on); Unsubscribe: {}',
            content: { 'application/json': { schema: eventsAnswer } },
          },
          '400': failure(
            'MODEL_CONTROL_DISABLED: not poll mode, or MODEL_REPOSITORY is a folder (Event Grid does not ' +
              'retry it; delete the subscription); INVALID_INPUT: no or an unknown aeg-event-type, or not ' +
              'events; INVALID_JSON: a body that is not JSON',
          ),
          '401': { description: 'No or a wrong function key (answered by the Functions host)' },
          '413': failure('PAYLOAD_TOO_LARGE: a delivery over 1 MB (or MAX_REQUEST_BYTES)'),
        },
      },
      options: {
        summary: 'CloudEvents webhook validation: the origin in WebHook-Request-Origin is allowed',
        parameters: [{ name: 'webhook-request-origin', in: 'header', schema: { type: 'string' } }],
        responses: {
          '200': {
            description: 'Allowed',
            headers: { 'WebHook-Allowed-Origin': { schema: { type: 'string' } } },
          },
        },
      },
    },
  };
}
