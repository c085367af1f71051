import { parse as parseFlat } from 'fast-querystring'
import qs from 'qs'

/**
 * qs as Express reads a query, but with a null prototype like Fastify's own parser, and no
 * cap on the number of parameters (the other path has none).
 */
const BRACKETED: qs.IParseOptions = { plainObjects: true, parameterLimit: Infinity }

/**
 * A query string as the real service's framework reads it (qs, Express's "extended"
 * parser): `sortField[0]=email&sortField[1]=role`, which the official client's qs sends
 * for an array, is the array `['email', 'role']`, and `sortField[k]=x` an object, so a
 * scalar parameter sent so answers `sortField is the wrong type`. Fastify's own parser
 * (fast-querystring) reads those as unknown keys named `sortField[0]`, which would be
 * ignored. Both read `a=1&a=2` as `['1', '2']`. qs is several times slower, so only a
 * query with a bracket goes through it.
 */
export function parseQuery (query: string): Record<string, unknown> {
  if (query.length === 0) return {}
  return query.includes('[') || query.includes('%5B') || query.includes('%5b') ? qs.parse(query, BRACKETED) : parseFlat(query)
}
