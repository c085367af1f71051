/**
 * Secrets kept out of the log and the request journal, by one set of rules for both
 * (docs/SECURITY.md): whatever the path, method or status, and however a name is
 * percent-encoded or repeated.
 */

const REDACTED = '[redacted]'

/**
 * Query parameters and body properties that carry a credential: a bearer token
 * (`access_token`, `jwt`) or an invite's token (`token`). Compared in lower case.
 */
const SECRET_NAMES = new Set(['access_token', 'jwt', 'token'])

/** Headers whose value is a credential; those marked `true` keep their scheme (`Bearer [redacted]`). */
const SECRET_HEADERS: ReadonlyArray<[name: string, keepScheme: boolean]> = [
  ['authorization', true],
  ['proxy-authorization', true],
  ['cookie', false],
  ['set-cookie', false],
  ['x-api-key', false]
]

/** What a query must hold for one of SECRET_NAMES to be among its names, however it is encoded. */
const MAY_NAME_A_SECRET = /token|jwt|%/i

function isSecretName (name: string): boolean {
  return SECRET_NAMES.has(name.toLowerCase())
}

/**
 * A query parameter's name as the router's query parser (src/querystring.ts) reads it:
 * `+` is a space, then percent-decoded, left as it is when that fails.
 */
function decodeName (raw: string): string {
  const name = raw.includes('+') ? raw.replace(/\+/g, ' ') : raw
  if (!name.includes('%')) return name
  try {
    return decodeURIComponent(name)
  } catch {
    return name
  }
}

/** The parameter a name sets: `access_token[]` and `access_token[0]` set `access_token` (a list), as qs reads them. */
function parameterOf (name: string): string {
  const bracket = /\[[^[\]]*\]/.exec(name)
  return bracket === null || bracket.index === 0 ? name : name.slice(0, bracket.index)
}

/**
 * The URL with the value of every secret query parameter replaced, each parameter as it
 * was sent otherwise (`/invites?%74oken=[redacted]&email=a%40b.c`). The same string when
 * there is nothing to hide.
 */
export function redactUrl (url: string): string {
  const queryAt = url.indexOf('?')
  if (queryAt < 0) return url
  // Every secret name holds `token` or `jwt`, and only a `%` could hide one: most queries
  // are passed by one search (the journal and the log redact every request's URL).
  if (!MAY_NAME_A_SECRET.test(url.slice(queryAt + 1))) return url
  const pairs = url.slice(queryAt + 1).split('&')
  let changed = false
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i]!
    const equals = pair.indexOf('=')
    const name = equals < 0 ? pair : pair.slice(0, equals)
    if (isSecretName(parameterOf(decodeName(name))) && pair.length > name.length + 1) {
      pairs[i] = `${name}=${REDACTED}`
      changed = true
    }
  }
  return changed ? `${url.slice(0, queryAt + 1)}${pairs.join('&')}` : url
}

/** The parsed query with secret values replaced (each of a repeated one); the same object when there is none. */
export function redactQuery (query: Record<string, unknown>): Record<string, unknown> {
  return redactProperties(query)
}

/** A JSON body with its top-level secret properties replaced; anything else as it is. */
export function redactBody (body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body
  return redactProperties(body as Record<string, unknown>)
}

function redactProperties (object: Record<string, unknown>): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined
  for (const key in object) {
    const value = object[key]
    if (!isSecretName(key) || value === '') continue
    copy ??= { ...object }
    copy[key] = Array.isArray(value) ? value.map(() => REDACTED) : REDACTED
  }
  return copy ?? object
}

/** The headers with every credential's value replaced; the same object when there is none. */
export function redactHeaders (headers: Record<string, string | string[] | undefined>): Record<string, string | string[] | undefined> {
  let copy: Record<string, string | string[] | undefined> | undefined
  for (const [name, keepScheme] of SECRET_HEADERS) {
    const value = headers[name]
    if (value === undefined) continue
    copy ??= { ...headers }
    copy[name] = Array.isArray(value)
      ? value.map(() => REDACTED)
      : keepScheme ? redactCredentials(value) : REDACTED
  }
  return copy ?? headers
}

/** Keeps the scheme (`Bearer`, `JWT`, `Basic`), so the journal shows how a credential was sent. */
function redactCredentials (value: string): string {
  const scheme = /^\s*(\S+)\s/.exec(value)?.[1]
  return scheme === undefined ? REDACTED : `${scheme} ${REDACTED}`
}
