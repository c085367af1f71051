import { isIP } from 'node:net'
import { hostname as machineHostname } from 'node:os'
import type { FastifyRequest, onRequestHookHandler } from 'fastify'
import type { FastifyCorsOptions } from '@fastify/cors'
import { errors, type LosantError } from '../errors.js'

/**
 * Where a request may come from: the emulator is a local server that every web page its
 * user opens can reach, and its control plane has no credential by default. The threat
 * model, every rule below and what to configure: docs/SECURITY.md.
 *
 * Each request is checked once, first (before the admin token, the body, faults and the
 * journal), in this order:
 *   1. Host: an allowed name, else 403 (DNS rebinding); none on HTTP/1.1: 400.
 *   2. The control plane and `/invites`: a browser request from a page of another site
 *      (an `Origin` not allowed; without one, `Sec-Fetch-Site: cross-site`): 403.
 *   3. The control plane: a CORS preflight from an origin not in `corsOrigins`: 403.
 * Then @fastify/cors grants CORS by surface: the Losant routes to any origin (as the real
 * API does for bearer-token calls), `/invites` to allowed origins, the control plane and
 * the pages only to `corsOrigins`.
 */

export interface OriginOptions {
  /**
   * Host names allowed besides the defaults (`--allowed-hosts`): a name, `.example.com`
   * for it and every subdomain, `*` for any Host. Named hosts are trusted as origins too.
   */
  allowedHosts?: readonly string[]
  /** Origins (`http://localhost:5173`) the control plane answers and grants CORS to (`--cors-origins`). */
  corsOrigins?: readonly string[]
  /** The address the server listens on, when known: allowed as a name (an IP is anyway). */
  listenHost?: string
}

/** What a request reaches, as far as where it may come from matters. */
type Surface =
  /** The Losant routes that take a bearer token, and unknown paths outside `/_emulator`. */
  | 'api'
  /** `/invites`: the invite's token and email are the credentials. */
  | 'invitee'
  /** The control plane's data and actions (`/_emulator/*` behind the admin token when one is set). */
  | 'control'
  /** What holds no data: the web UI's files, the docs page, health, the OpenAPI document. */
  | 'page'

/** A `Host` header taken apart: the name lower-cased, without brackets or a trailing dot. */
interface HostName {
  name: string
  /** Written with a trailing dot: a fully qualified name, never a single label. */
  fqdn: boolean
}

const CORS_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE']
const CORS_HEADERS = ['authorization', 'content-type', 'accept', 'accept-version', 'losantdomain', 'last-event-id']
const GRANT: FastifyCorsOptions = { origin: true, methods: CORS_METHODS, allowedHeaders: CORS_HEADERS }
const NO_GRANT: FastifyCorsOptions = { origin: false }

/** A DNS name as a browser sends it in `Host` (punycode for international names; `_` in container names). */
const DNS_NAME = /^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*$/
/** A port in `Host`: digits, or nothing after the colon. */
const PORT = /^\d{0,5}$/

/** The requests the guard refused: answered, logged, but neither journaled nor faulted. */
const refused = new WeakSet<FastifyRequest>()

export function wasRefused (request: FastifyRequest): boolean {
  return refused.has(request)
}

export class OriginError extends Error {}

/**
 * `--allowed-hosts` entries, checked and lower-cased: `*`, a name, `.name` (it and its
 * subdomains), or an IP literal. Throws OriginError saying what is wrong with one.
 */
export function parseAllowedHosts (entries: readonly string[]): string[] {
  return entries.map((entry) => {
    const value = entry.trim().toLowerCase()
    if (value === '*') return value
    const name = value.startsWith('.') ? value.slice(1) : value
    const bare = name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name
    if (isIP(bare) !== 0) return bare
    if (/[/:]/.test(name)) throw new OriginError(`"${entry}" is not a host name: give the name alone, without a scheme, port or path (e.g. emulator.example.com)`)
    if (!DNS_NAME.test(name.replace(/\.$/, ''))) throw new OriginError(`"${entry}" is not a host name (letters, digits, "-", "_" and dots; ".example.com" for a domain and its subdomains; "*" for any)`)
    return value.replace(/\.$/, '')
  })
}

/**
 * `--cors-origins` entries as browsers send `Origin`: `http://localhost:5173`, lower-case,
 * no default port, no path. Throws OriginError for anything else.
 */
export function parseCorsOrigins (entries: readonly string[]): string[] {
  return entries.map((entry) => {
    const value = entry.trim()
    if (value === 'null') throw new OriginError('"null" cannot be allowed: every sandboxed frame and local file sends Origin: null')
    if (value === '*') throw new OriginError('"*" cannot be allowed: list the origins, e.g. http://localhost:5173')
    let url: URL
    try {
      url = new URL(value)
    } catch {
      throw new OriginError(`"${entry}" is not an origin: write scheme://host[:port], e.g. http://localhost:5173`)
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OriginError(`"${entry}" is not an http or https origin`)
    if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '' || /\/./.test(value.slice(url.protocol.length + 2))) {
      throw new OriginError(`"${entry}" is not an origin: write scheme://host[:port] alone, without a path, e.g. http://localhost:5173`)
    }
    return url.origin
  })
}

/** Which hosts and origins are allowed, and what CORS each request gets. */
export class OriginPolicy {
  readonly #anyHost: boolean
  /** Exact names and IPs trusted as hosts and origins: the machine's, the listen address, `--allowed-hosts`. */
  readonly #names = new Set<string>()
  /** `--allowed-hosts` domains given as `.example.com`, without the dot. */
  readonly #domains: string[] = []
  readonly #corsOrigins: Set<string>
  /**
   * Host headers already found allowed (most requests repeat one): a check then costs
   * some 30 ns instead of some 600 (measured in process, 2 million checks). Never
   * invalidated: the answer depends on the header and this fixed policy only.
   */
  readonly #allowedHostHeaders = new Set<string>()

  constructor (options: OriginOptions = {}) {
    const hosts = parseAllowedHosts(options.allowedHosts ?? [])
    this.#anyHost = hosts.includes('*')
    for (const host of hosts) {
      if (host === '*') continue
      if (host.startsWith('.')) this.#domains.push(host.slice(1))
      else this.#names.add(host)
    }
    this.#names.add(machineHostname().toLowerCase())
    const listen = options.listenHost?.toLowerCase().replace(/^\[(.*)\]$/, '$1')
    // A wildcard address names no host.
    if (listen !== undefined && listen !== '' && listen !== '0.0.0.0' && listen !== '::') this.#names.add(listen)
    this.#corsOrigins = new Set(parseCorsOrigins(options.corsOrigins ?? []))
  }

  /**
   * The guard's checks, in order (this module's comment); the refusal, or undefined.
   * Reads only the request's headers and route: nothing is looked up or changed.
   */
  check (request: FastifyRequest): LosantError | undefined {
    const hostHeader = request.headers.host
    let host: HostName | undefined
    if (hostHeader === undefined || hostHeader === '') {
      // HTTP/1.0 needs none, and no browser speaks it.
      if (request.raw.httpVersion !== '1.0') return errors.hostMissing()
    } else if (!this.#allowedHostHeaders.has(hostHeader)) {
      host = parseHost(hostHeader)
      if (!this.#anyHost && (host === undefined || !this.#hostAllowed(host))) {
        return errors.hostNotAllowed(hostHeader, host !== undefined && (isIP(host.name) !== 0 || DNS_NAME.test(host.name)) ? host.name : undefined)
      }
      if (this.#allowedHostHeaders.size < 64) this.#allowedHostHeaders.add(hostHeader)
    }

    const origin = request.headers.origin
    const fetchSite = request.headers['sec-fetch-site']
    if (origin === undefined && fetchSite !== 'cross-site') return undefined
    const surface = surfaceOf(request)
    if (surface !== 'control' && surface !== 'invitee') return undefined
    const path = pathOf(request.url)
    if (origin === undefined) return errors.crossSiteRefused(path, undefined)
    host ??= hostHeader === undefined ? undefined : parseHost(hostHeader)
    if (!this.#originAllowed(origin, host)) return errors.crossSiteRefused(path, origin)
    if (surface === 'control' && request.method === 'OPTIONS' && !this.#corsOrigins.has(origin)) return errors.corsNotGranted(path, origin)
    return undefined
  }

  /** @fastify/cors's options for this request (its `delegator`). */
  corsOptions (request: FastifyRequest): FastifyCorsOptions {
    const origin = request.headers.origin
    if (origin === undefined) return NO_GRANT
    switch (surfaceOf(request)) {
      case 'api': return GRANT
      case 'invitee': {
        const host = request.headers.host
        return this.#originAllowed(origin, host === undefined ? undefined : parseHost(host)) ? GRANT : NO_GRANT
      }
      default: return this.#corsOrigins.has(origin) ? GRANT : NO_GRANT
    }
  }

  /**
   * A rebinding attack needs a name its author can point at their own server, then at
   * this one: a name in the public DNS. Names that cannot be there are allowed.
   */
  #hostAllowed (host: HostName): boolean {
    const { name } = host
    if (isIP(name) !== 0) return true
    if (!DNS_NAME.test(name)) return false
    return isLocalName(name) || isPrivateUseName(host) || this.#isOwnName(name)
  }

  /**
   * A page from the same host as the request (any port), the loopback, a name that
   * cannot be in the public DNS, one of the machine's names or `--allowed-hosts`, or an
   * origin in `--cors-origins`. Not `null` (sandboxed frames, files), not other IPs (a
   * page can be served from any public address).
   */
  #originAllowed (origin: string, host: HostName | undefined): boolean {
    if (this.#corsOrigins.has(origin)) return true
    let url: URL
    try {
      url = new URL(origin)
    } catch {
      return false
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false
    const page = parseHost(url.host)
    if (page === undefined) return false
    if (host !== undefined && page.name === host.name) return true
    const { name } = page
    if (isIP(name) !== 0) return isLoopbackIp(name) || this.#names.has(name)
    return isLocalName(name) || isPrivateUseName(page) || this.#isOwnName(name)
  }

  #isOwnName (name: string): boolean {
    return this.#names.has(name) || this.#domains.some((domain) => name === domain || name.endsWith(`.${domain}`))
  }
}

/**
 * The guard, the first `onRequest` hook (src/http/pipeline.ts registers it before any
 * other). A refused request is answered at once and logged once per distinct reason.
 */
export function originGuard (policy: OriginPolicy): onRequestHookHandler {
  const logged = new Set<string>()
  return (request, reply, done) => {
    const refusal = policy.check(request)
    if (refusal === undefined) {
      done()
      return
    }
    refused.add(request)
    // Once per reason: a page retrying in a loop must not flood the log.
    if (logged.size < 100 && !logged.has(refusal.message)) {
      logged.add(refusal.message)
      request.log.warn({ method: request.method, url: pathOf(request.url), status: refusal.statusCode }, `refused: ${refusal.message}`)
    }
    reply.code(refusal.statusCode).send(refusal.toBody())
  }
}

/** `Host` as browsers send it: `name`, `name:port`, `[v6]:port`; undefined when it is none of these. */
function parseHost (value: string): HostName | undefined {
  let name: string
  let port = ''
  if (value.startsWith('[')) {
    const end = value.indexOf(']')
    if (end < 0) return undefined
    name = value.slice(1, end)
    const rest = value.slice(end + 1)
    if (rest !== '') {
      if (rest[0] !== ':') return undefined
      port = rest.slice(1)
    }
    if (isIP(name) !== 6) return undefined
  } else {
    const colon = value.indexOf(':')
    if (colon >= 0 && value.indexOf(':', colon + 1) >= 0) {
      // Unbracketed IPv6 (not what HTTP allows, but not a name either).
      name = value
      if (isIP(name) !== 6) return undefined
    } else if (colon >= 0) {
      name = value.slice(0, colon)
      port = value.slice(colon + 1)
    } else {
      name = value
    }
  }
  if (!PORT.test(port)) return undefined
  name = name.toLowerCase()
  const fqdn = name.endsWith('.')
  if (fqdn) name = name.slice(0, -1)
  return name === '' ? undefined : { name, fqdn }
}

/** `localhost` and its subdomains: browsers resolve them to the loopback themselves (RFC 6761). */
function isLocalName (name: string): boolean {
  return name === 'localhost' || name.endsWith('.localhost')
}

/**
 * Names the public DNS never holds: a single label (compose service and container names,
 * Kubernetes short names, /etc/hosts aliases; `name.` with its dot is a top-level domain,
 * not one of these), and `.internal` (reserved for private use by ICANN in 2024:
 * `host.docker.internal`, `host.containers.internal`).
 */
function isPrivateUseName (host: HostName): boolean {
  return (!host.fqdn && !host.name.includes('.')) || host.name.endsWith('.internal')
}

function isLoopbackIp (ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1'
}

/** The request's path, without the query string. */
function pathOf (url: string): string {
  const queryAt = url.indexOf('?')
  return queryAt < 0 ? url : url.slice(0, queryAt)
}

function isUnder (path: string, prefix: string): boolean {
  return path.startsWith(prefix) && (path.length === prefix.length || path[prefix.length] === '/')
}

/**
 * By the route the request reached, which the router found after decoding the path
 * (`/%5Femulator/reset` is the reset route); by the decoded path when it reached none
 * (404, 405, and preflights, which @fastify/cors answers from a catch-all route).
 */
function surfaceOf (request: FastifyRequest): Surface {
  const route = request.routeOptions.url
  if (route === undefined || route === '*') {
    let path = pathOf(request.url)
    try {
      path = decodeURIComponent(path)
    } catch {}
    if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1)
    return path === '/invites' ? 'invitee' : isUnder(path, '/_emulator') ? 'control' : 'api'
  }
  if (route === '/invites') return 'invitee'
  if (isUnder(route, '/_emulator')) return request.routeOptions.config.policy?.access === 'admin' ? 'control' : 'page'
  return route === '/' ? 'page' : 'api'
}
