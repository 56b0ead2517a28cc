// Routing of the Functions host for HTTP triggers, enough for the packaged app's routes: a template's
// segments are literals, `{name}`, `{name?}` (optional, last) or `{*name}` (the rest); constraints such as
// `{n:int}` are matched as plain parameters. Without a route the function's name is its route, and
// host.json's `extensions.http.routePrefix` (default `api`) comes first.

/** A matcher for one HTTP function: its methods and its route under the prefix. */
export function routeOf(name, trigger, routePrefix) {
  const template = [routePrefix, trigger.route ?? name].filter((s) => s).join('/');
  const parts = template.split('/').filter((s) => s !== '');
  const methods = trigger.methods?.map((m) => m.toUpperCase());
  return {
    methods,
    /** The host prefers the route with more literal segments where several match. */
    literals: parts.filter((p) => !p.startsWith('{')).length,
    /** The route parameters when `method` and `path` (no query) match, else undefined. */
    match(method, path) {
      if (methods && !methods.includes(method.toUpperCase())) return undefined;
      const segments = path.split('/').filter((s) => s !== '');
      const params = {};
      for (let i = 0; i < parts.length; i++) {
        const part = parts[i];
        const param = /^\{(\*?)([A-Za-z_][\w]*)(?::[^}?]*)?(\??)\}$/.exec(part);
        if (!param) {
          if (segments[i]?.toLowerCase() !== part.toLowerCase()) return undefined;
          continue;
        }
        const [, rest, key, optional] = param;
        if (rest) {
          if (i < segments.length) params[key] = segments.slice(i).map(decodeURIComponent).join('/');
          return params;
        }
        if (segments[i] === undefined) return optional && i === parts.length - 1 ? params : undefined;
        params[key] = decodeURIComponent(segments[i]);
      }
      return segments.length === parts.length ? params : undefined;
    },
  };
}

/** routePrefix from a host.json's text; `api` when it sets none, as the host does. */
export function routePrefixOf(hostJson) {
  const prefix = JSON.parse(hostJson)?.extensions?.http?.routePrefix;
  return typeof prefix === 'string' ? prefix.replace(/^\/+|\/+$/g, '') : 'api';
}
