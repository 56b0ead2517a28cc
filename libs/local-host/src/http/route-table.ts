import type { HttpFunctionDefinition } from '@modelfn/functions';
import { comparePrecedence, parseRouteTemplate, type RouteTemplate } from './route-template.js';

/** Methods a function answers when its options name none (the @azure/functions default). */
const DEFAULT_METHODS = ['GET', 'POST'];

export interface MountedRoute {
  definition: HttpFunctionDefinition;
  template: RouteTemplate;
  methods: string[];
  /** The URL path as a client writes it, prefix included, e.g. `/v2/models/{model}/infer`. */
  path: string;
}

export type RouteLookup =
  | { kind: 'found'; route: MountedRoute; params: Record<string, string> }
  | { kind: 'method-not-allowed'; allow: string[] }
  | { kind: 'not-found' };

function splitPath(pathname: string): string[] {
  const parts = pathname.split('/');
  if (parts[0] === '') parts.shift();
  if (parts.at(-1) === '') parts.pop();
  return parts.map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
}

/** The HTTP functions of one or more apps behind one route prefix, ordered as the Functions host orders them. */
export class RouteTable {
  /** In match order (most specific first). */
  readonly routes: MountedRoute[];
  /** In the order the definitions were given, for listings. */
  readonly declared: MountedRoute[];
  private readonly prefix: string[];

  constructor(definitions: readonly HttpFunctionDefinition[], routePrefix: string) {
    this.prefix = splitPath(routePrefix.toLowerCase());
    const names = new Set<string>();
    const routes = definitions.map((definition): MountedRoute => {
      const key = definition.name.toLowerCase();
      if (names.has(key))
        throw new Error(`two HTTP functions are named "${definition.name}"; function names must be unique`);
      names.add(key);
      const source = definition.options.route ?? definition.name;
      const template = parseRouteTemplate(source);
      const methods = (definition.options.methods ?? DEFAULT_METHODS).map((m) => m.toUpperCase());
      const path = '/' + [...this.prefix, ...splitPath(source)].join('/');
      return { definition, template, methods, path };
    });
    for (let i = 0; i < routes.length; i++) {
      for (let j = i + 1; j < routes.length; j++) {
        const [a, b] = [routes[i], routes[j]];
        const shared = a.methods.filter((m) => b.methods.includes(m));
        if (shared.length > 0 && a.template.source.toLowerCase() === b.template.source.toLowerCase()) {
          throw new Error(
            `functions "${a.definition.name}" and "${b.definition.name}" both answer ${shared.join(', ')} ${a.path}`,
          );
        }
      }
    }
    this.declared = routes;
    this.routes = [...routes].sort((a, b) => comparePrecedence(a.template, b.template));
  }

  lookup(method: string, pathname: string): RouteLookup {
    const segments = splitPath(pathname);
    for (let i = 0; i < this.prefix.length; i++) {
      if (segments[i]?.toLowerCase() !== this.prefix[i]) return { kind: 'not-found' };
    }
    const rest = this.prefix.length > 0 ? segments.slice(this.prefix.length) : segments;
    const verb = method.toUpperCase();
    // Made only for a path some route has without this method: a request that is found allocates none.
    let allow: Set<string> | undefined;
    for (const route of this.routes) {
      const params = route.template.match(rest);
      if (!params) continue;
      if (route.methods.includes(verb)) return { kind: 'found', route, params };
      allow ??= new Set();
      for (const m of route.methods) allow.add(m);
    }
    return allow ? { kind: 'method-not-allowed', allow: [...allow] } : { kind: 'not-found' };
  }
}
