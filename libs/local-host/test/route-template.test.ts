import { describe, expect, it } from 'vitest';
import type { HttpFunctionDefinition } from '@modelfn/functions';
import { parseRouteTemplate } from '../src/http/route-template.js';
import { RouteTable } from '../src/http/route-table.js';

const seg = (path: string) => path.split('/').filter(Boolean);

describe('route templates', () => {
  it('matches literal segments case-insensitively and captures parameters', () => {
    const t = parseRouteTemplate('v2/models/{model}/versions/{version}/infer');
    expect(t.match(seg('V2/Models/mnist/versions/3/INFER'))).toEqual({ model: 'mnist', version: '3' });
    expect(t.match(seg('v2/models/mnist/versions/3'))).toBeUndefined();
    expect(t.match(seg('v2/models/mnist/versions/3/infer/x'))).toBeUndefined();
  });

  it('optional parameters and defaults may be left out at the end', () => {
    const opt = parseRouteTemplate('items/{id?}');
    expect(opt.match(seg('items'))).toEqual({});
    expect(opt.match(seg('items/4'))).toEqual({ id: '4' });
    const def = parseRouteTemplate('page/{n=1}');
    expect(def.match(seg('page'))).toEqual({ n: '1' });
    expect(def.match(seg('page/7'))).toEqual({ n: '7' });
  });

  it('applies constraints', () => {
    const t = parseRouteTemplate('orders/{id:int}/{kind:alpha:maxlength(4)}');
    expect(t.match(seg('orders/12/abc'))).toEqual({ id: '12', kind: 'abc' });
    expect(t.match(seg('orders/x/abc'))).toBeUndefined();
    expect(t.match(seg('orders/12/abcde'))).toBeUndefined();
    expect(
      parseRouteTemplate('g/{id:guid}').match(seg('g/3f2504e0-4f89-11d3-9a0c-0305e82c3301')),
    ).toBeTruthy();
    expect(parseRouteTemplate('r/{v:range(1,5)}').match(seg('r/6'))).toBeUndefined();
  });

  it('a catch-all takes the rest of the path', () => {
    const t = parseRouteTemplate('files/{*path}');
    expect(t.match(seg('files/a/b/c.txt'))).toEqual({ path: 'a/b/c.txt' });
    expect(t.match(seg('files'))).toEqual({});
  });

  it('refuses templates the Functions host would not run the same way', () => {
    expect(() => parseRouteTemplate('a/{x}.{y}')).toThrow(/not supported/);
    expect(() => parseRouteTemplate('a/{x?}/b')).toThrow(/optional/);
    expect(() => parseRouteTemplate('a/{*x}/b')).toThrow(/last segment/);
    expect(() => parseRouteTemplate('a/{x}/{X}')).toThrow(/twice/);
    expect(() => parseRouteTemplate('a/{x:nonsense}')).toThrow(/not supported/);
  });
});

describe('route table', () => {
  const def = (
    name: string,
    route: string | undefined,
    methods?: ('GET' | 'POST')[],
  ): HttpFunctionDefinition => ({
    name,
    options: { route, methods, handler: async () => ({}) },
  });

  it('prefers literal segments over parameters, whatever the declaration order', () => {
    const table = new RouteTable(
      [def('byName', 'v2/models/{model}', ['GET']), def('index', 'v2/models/index', ['GET'])],
      '',
    );
    const found = table.lookup('GET', '/v2/models/index');
    expect(found.kind === 'found' && found.route.definition.name).toBe('index');
    const other = table.lookup('GET', '/v2/models/mnist');
    expect(other.kind === 'found' && other.params).toEqual({ model: 'mnist' });
  });

  it('honours the route prefix, and defaults route and methods as the Functions host does', () => {
    const table = new RouteTable([def('hello', undefined)], 'api');
    expect(table.lookup('GET', '/api/hello').kind).toBe('found');
    expect(table.lookup('POST', '/API/hello/').kind).toBe('found');
    expect(table.lookup('GET', '/hello').kind).toBe('not-found');
    expect(table.lookup('DELETE', '/api/hello')).toEqual({
      kind: 'method-not-allowed',
      allow: ['GET', 'POST'],
    });
    expect(table.routes[0].path).toBe('/api/hello');
  });

  it('decodes percent-encoded parameters', () => {
    const table = new RouteTable([def('m', 'models/{model}', ['GET'])], '');
    const found = table.lookup('GET', '/models/my%20model');
    expect(found.kind === 'found' && found.params.model).toBe('my model');
  });

  it('refuses duplicate names and two functions answering the same method and route', () => {
    expect(() => new RouteTable([def('a', 'x'), def('A', 'y')], '')).toThrow(/unique/);
    expect(() => new RouteTable([def('a', 'x', ['GET']), def('b', 'X', ['GET', 'POST'])], '')).toThrow(
      /both answer GET/,
    );
    expect(() => new RouteTable([def('a', 'x', ['GET']), def('b', 'x', ['POST'])], '')).not.toThrow();
  });
});
