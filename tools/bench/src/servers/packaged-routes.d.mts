// Types of packaged-routes.mjs (plain JavaScript: the packaged server runs without tsx).
export interface Route {
  methods: string[] | undefined;
  literals: number;
  match(method: string, path: string): Record<string, string> | undefined;
}
export function routeOf(
  name: string,
  trigger: { route?: string; methods?: string[] },
  routePrefix: string,
): Route;
export function routePrefixOf(hostJson: string): string;
