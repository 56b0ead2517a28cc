// @ts-check
// Swagger UI (swagger-ui-dist, loaded by docs.html) over the generated /swagger.json. Every request it
// makes, the document's included, carries the function key this tab was given.
import { keyHeaders, takeKey } from './key.js';

takeKey();

/** @type {any} */
const w = window;
w.ui = w.SwaggerUIBundle({
  url: '/swagger.json',
  dom_id: '#swagger-ui',
  // No badge from the public validator: the page talks to this server only.
  validatorUrl: null,
  tryItOutEnabled: true,
  displayRequestDuration: true,
  /** @param {{ headers: Record<string, string> }} request */
  requestInterceptor: (request) => {
    Object.assign(request.headers, keyHeaders());
    return request;
  },
});
