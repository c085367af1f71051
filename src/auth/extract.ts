import { errors } from '../errors.js'

const SCHEME = /^(?:bearer|jwt)[ \t]+(.*)$/i

/**
 * Where a token may come from (docs/API.md, tokens): `Authorization: Bearer <t>` or `JWT <t>`
 * (scheme case-insensitive), or the query parameters `access_token` and `jwt`.
 * Returns undefined when the request carries none. A token given in more than one place
 * is refused as invalid (a choice, after RFC 6750 section 2: one method per request).
 */
export function extractToken (authorization: string | string[] | undefined, query: Record<string, unknown>): string | undefined {
  const found: unknown[] = []
  if (typeof authorization === 'string') {
    const match = SCHEME.exec(authorization.trim())
    if (match !== null) found.push(match[1]?.trim() ?? '')
  }
  if (query.access_token !== undefined) found.push(query.access_token)
  if (query.jwt !== undefined) found.push(query.jwt)
  if (found.length === 0) return undefined
  const [token] = found
  if (found.length > 1 || typeof token !== 'string' || token === '') throw errors.invalidToken()
  return token
}
