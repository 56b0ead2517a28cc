/**
 * Azure Functions HTTP routes are ASP.NET Core route templates: literal segments (matched case-insensitively),
 * `{name}`, `{name?}`, `{name=default}`, `{name:int}` style constraints and a trailing `{*rest}` catch-all.
 * This is the subset a function app can declare with whole-segment parameters; anything else is refused when
 * the host starts, so a route that would behave differently in Azure never silently half-works here.
 */

type Constraint = (value: string) => boolean;

type Segment =
  | { kind: 'literal'; text: string }
  | { kind: 'param'; name: string; optional: boolean; defaultValue?: string; constraints: Constraint[] }
  | { kind: 'catchAll'; name: string };

export interface RouteTemplate {
  /** The template as declared (without the route prefix). */
  readonly source: string;
  /** Lower is more specific; compared element by element, as ASP.NET orders routes. */
  readonly precedence: number[];
  /** Params when the path segments match, else undefined. */
  match(segments: string[]): Record<string, string> | undefined;
}

const num = (v: string) => v.trim() !== '' && Number.isFinite(Number(v));

function constraintOf(spec: string, template: string): Constraint {
  const m = /^([a-z]+)(?:\((.*)\))?$/i.exec(spec);
  if (!m) throw new Error(`route "${template}": constraint "${spec}" cannot be parsed`);
  const name = m[1].toLowerCase();
  const args = m[2] === undefined ? [] : name === 'regex' ? [m[2]] : m[2].split(',').map((a) => a.trim());
  const n = args.map(Number);
  switch (name) {
    case 'int':
    case 'long':
      return (v) => /^-?\d+$/.test(v);
    case 'bool':
      return (v) => /^(true|false)$/i.test(v);
    case 'alpha':
      return (v) => /^[a-z]+$/i.test(v);
    case 'guid':
      return (v) => /^\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?$/i.test(v);
    case 'double':
    case 'float':
    case 'decimal':
      return num;
    case 'datetime':
      return (v) => !Number.isNaN(Date.parse(v));
    case 'min':
      return (v) => num(v) && Number(v) >= n[0];
    case 'max':
      return (v) => num(v) && Number(v) <= n[0];
    case 'range':
      return (v) => num(v) && Number(v) >= n[0] && Number(v) <= n[1];
    case 'length':
      return args.length === 1 ? (v) => v.length === n[0] : (v) => v.length >= n[0] && v.length <= n[1];
    case 'minlength':
      return (v) => v.length >= n[0];
    case 'maxlength':
      return (v) => v.length <= n[0];
    case 'regex': {
      const re = new RegExp(args[0], 'i');
      return (v) => re.test(v);
    }
    default:
      throw new Error(`route "${template}": constraint "${name}" is not supported by the local host`);
  }
}

function parseSegment(text: string, template: string, last: boolean): Segment {
  if (!text.includes('{') && !text.includes('}')) {
    if (text === '') throw new Error(`route "${template}" has an empty segment`);
    return { kind: 'literal', text: text.toLowerCase() };
  }
  const m = /^\{(\*{1,2})?([A-Za-z_][A-Za-z0-9_]*)((?::[^=?{}]+(?:\([^)]*\))?)*)(=[^?{}]*)?(\?)?\}$/.exec(
    text,
  );
  if (!m) {
    throw new Error(
      `route "${template}": segment "${text}" is not supported (use whole-segment parameters like {name})`,
    );
  }
  const [, star, name, constraintText, defaultText, optionalMark] = m;
  if (star) {
    if (!last) throw new Error(`route "${template}": the catch-all {*${name}} must be the last segment`);
    return { kind: 'catchAll', name };
  }
  const constraints = constraintText
    ? constraintText
        .slice(1)
        .split(/:(?![^(]*\))/)
        .map((c) => constraintOf(c, template))
    : [];
  return {
    kind: 'param',
    name,
    optional: !!optionalMark,
    ...(defaultText ? { defaultValue: defaultText.slice(1) } : {}),
    constraints,
  };
}

function rank(s: Segment): number {
  if (s.kind === 'literal') return 0;
  if (s.kind === 'catchAll') return 4;
  if (s.optional || s.defaultValue !== undefined) return 3;
  return s.constraints.length > 0 ? 1 : 2;
}

export function parseRouteTemplate(source: string): RouteTemplate {
  const trimmed = source.replace(/^\/+|\/+$/g, '');
  const texts = trimmed === '' ? [] : trimmed.split('/');
  const segments = texts.map((t, i) => parseSegment(t, source, i === texts.length - 1));
  const names = segments
    .filter((s) => s.kind !== 'literal')
    .map((s) => (s as { name: string }).name.toLowerCase());
  if (new Set(names).size !== names.length) throw new Error(`route "${source}" declares a parameter twice`);
  // Only a tail of optional segments can be left out; ASP.NET rejects an optional one followed by a required one.
  let required = 0;
  segments.forEach((s, i) => {
    if (s.kind === 'literal' || (s.kind === 'param' && !s.optional && s.defaultValue === undefined))
      required = i + 1;
  });
  const firstOptional = segments.findIndex((s) => rank(s) >= 3);
  if (firstOptional !== -1 && firstOptional < required) {
    throw new Error(`route "${source}": an optional parameter may only be followed by optional parameters`);
  }

  return {
    source,
    precedence: segments.map(rank),
    match(path: string[]): Record<string, string> | undefined {
      if (path.length < required) return undefined;
      const catchAll = segments.at(-1)?.kind === 'catchAll';
      if (!catchAll && path.length > segments.length) return undefined;
      const params: Record<string, string> = {};
      for (let i = 0; i < segments.length; i++) {
        const s = segments[i];
        const value = path[i];
        if (s.kind === 'literal') {
          if (value === undefined || value.toLowerCase() !== s.text) return undefined;
        } else if (s.kind === 'catchAll') {
          if (path.length > i) params[s.name] = path.slice(i).join('/');
        } else if (value === undefined) {
          if (s.defaultValue !== undefined) params[s.name] = s.defaultValue;
        } else {
          if (!s.constraints.every((c) => c(value))) return undefined;
          params[s.name] = value;
        }
      }
      return params;
    },
  };
}

/**
 * ASP.NET order: the first differing segment decides (literal, constrained, plain, optional, catch-all); a
 * route that ends where the other goes on is the more specific one (`score` before `score/{id?}`).
 */
export function comparePrecedence(a: RouteTemplate, b: RouteTemplate): number {
  const n = Math.max(a.precedence.length, b.precedence.length);
  for (let i = 0; i < n; i++) {
    const d = (a.precedence[i] ?? -1) - (b.precedence[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}
