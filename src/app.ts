import { maxHeaderSize, STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import cors from '@fastify/cors'
import { SerializerSelector, type SerializerFactory } from '@fastify/fast-json-stringify-compiler'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { TokenService } from './auth/tokens.js'
import { Clock } from './clock.js'
import { installConnectionHandling } from './connections.js'
import { Emulator } from './emulator.js'
import { errors, LosantError, storageProblemReason, type StorageFailure } from './errors.js'
import { installHarness } from './harness/index.js'
import { Listings, type ListingsOptions } from './listings/index.js'
import { installRequestChecks } from './pipeline.js'
import { registerOpenApi } from './openapi.js'
import { parseQuery } from './querystring.js'
import { installOriginGuard, OriginPolicy } from './security/origins.js'
import { redactUrl } from './security/redact.js'
import { MethodTable } from './routing.js'
import controlRoutes from './routes/control/index.js'
import losantRoutes from './routes/losant/index.js'
import uiRoutes from './routes/control/ui.js'
import type { Snapshot } from './schemas/snapshot.js'
import { validateSnapshot } from './snapshot.js'
import { SqliteInviteStore } from './store/sqlite.js'

export const DEFAULT_INVITE_TTL_MS = 7 * 24 * 60 * 60 * 1000
export const DEFAULT_BODY_LIMIT = 1024 * 1024

export interface AppOptions {
  /** SQLite file path, or ':memory:' (the default here; the CLI defaults to a file). */
  db?: string
  /** Lifetime of new invites, in milliseconds. Default 7 days. */
  inviteTtlMs?: number
  /** When set, the control plane (but health) requires `Authorization: Bearer <adminToken>`. */
  adminToken?: string
  /** Largest request body accepted, in bytes. Default 1 MiB. */
  bodyLimit?: number
  /** Fastify's logger option: false (the default here), true, or pino options. */
  logger?: FastifyServerOptions['logger']
  /** An existing pino logger to log through. */
  loggerInstance?: FastifyBaseLogger
  clock?: Clock
  /** Applied to a new database and on every reset (the snapshot format). Throws SnapshotError when invalid. */
  seed?: Snapshot
  /** false: the request journal records nothing. Default true. */
  journal?: boolean
  /** Most requests the journal keeps (the oldest dropped). Default 1000. */
  journalSize?: number
  /**
   * Host names answered besides the defaults (localhost, IPs, single-label names, the
   * machine's name; docs/SECURITY.md): a name, `.example.com` for a domain, `*` for any.
   */
  allowedHosts?: readonly string[]
  /** Origins (`http://localhost:5173`) allowed to call the control plane from a browser, with CORS. */
  corsOrigins?: readonly string[]
  /** The address it will listen on, when known: allowed as a Host name. */
  host?: string
}

/** Options no user sets: not part of AppOptions, not exported from src/index.ts. */
export interface InternalOptions {
  /** The listing seam's mechanisms, all on by default (the benchmark's ablation turns them off: bench/variant-server.mjs). */
  listings?: ListingsOptions
}

declare module 'fastify' {
  interface FastifyInstance {
    emulator: Emulator
    /** The org invite listings' answers (GET and POST .../invites, the web UI's pages). */
    listings: Listings
  }
}

/**
 * The whole emulator as a Fastify instance, not listening: the CLI and `startEmulator`
 * listen; tests use `inject`.
 */
export async function buildApp (options: AppOptions = {}): Promise<FastifyInstance> {
  return buildAppWith(options, {})
}

/** buildApp, with the options only the benchmark sets. */
export async function buildAppWith (options: AppOptions, internal: InternalOptions): Promise<FastifyInstance> {
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT
  // Checked before anything is opened: a bad entry throws here.
  const origins = new OriginPolicy({
    ...(options.allowedHosts === undefined ? {} : { allowedHosts: options.allowedHosts }),
    ...(options.corsOrigins === undefined ? {} : { corsOrigins: options.corsOrigins }),
    ...(options.host === undefined ? {} : { listenHost: options.host })
  })
  const app = Fastify({
    ...(options.loggerInstance === undefined ? { logger: options.logger ?? false } : { loggerInstance: options.loggerInstance }),
    bodyLimit,
    // Our own one line per request (installRequestLog) replaces Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: {
      ignoreTrailingSlash: true,
      // Long ids must reach validation (400 `pattern mismatch`), not fall out of routing.
      maxParamLength: 4096,
      // Array-encoded parameters (`sortField[0]=...`) read as arrays, as the real service does.
      querystringParser: parseQuery
    },
    return503OnClosing: true,
    // A request without Host is refused by the origin guard, in Losant's shape (Node's own 400 has no body).
    http: { requireHostHeader: false },
    schemaController: { compilersFactory: { buildSerializer: lazySerializers } },
    // Errors raised before routing (Fastify would answer its own body shape).
    frameworkErrors: (error, request, reply) => {
      const path = request.url.split('?')[0] ?? request.url
      const losant = error.code === 'FST_ERR_BAD_URL'
        ? errors.badUrl(path, 'bad percent-encoding')
        : error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? errors.badUrl(path, 'a path segment is too long') : errors.internal()
      return (reply as FastifyReply).code(losant.statusCode).send(losant.toBody())
    },
    clientErrorHandler: answerClientError
  }).withTypeProvider<TypeBoxTypeProvider>()
  installConnectionHandling(app.server)

  const seed = options.seed === undefined ? undefined : validateSnapshot(options.seed)
  const clock = options.clock ?? new Clock()
  const store = new SqliteInviteStore(options.db ?? ':memory:')
  app.addHook('onClose', async () => store.close())
  store.onFileLost((failure) => {
    app.log.error({ database: store.location, storage: failure.kind }, `${storageProblemReason(failure)}; nothing written from now on ` +
      'would survive a restart, which starts on whatever file is then at that path (GET /_emulator/snapshot still answers the data the emulator held)')
  })
  const tokens = new TokenService(store.signingKey(), clock, store.staticTokens())
  const emulator = new Emulator({
    store,
    tokens,
    clock,
    inviteTtlMs: options.inviteTtlMs ?? DEFAULT_INVITE_TTL_MS,
    ...(seed === undefined ? {} : { seed })
  })
  // Built before the seed is applied: it follows the store from its first write.
  const listings = new Listings(store, internal.listings)
  if (seed !== undefined && store.isNew) emulator.restore(seed)
  else if (seed !== undefined) {
    app.log.warn(`The seed was not applied: the database ${options.db} already holds data from an earlier start (a seed applies ` +
      'only to a new database). To apply it, POST /_emulator/reset (it replaces all data with the seed), or start on a new --db file')
  }
  app.decorate('emulator', emulator)
  app.decorate('listings', listings)
  // First of every hook: a refused request reaches no fault, journal, token check or body parser.
  installOriginGuard(app, origins)
  installHarness(app, emulator, { journal: options.journal, journalSize: options.journalSize })

  // Validation is ours (pipeline.ts); Fastify's would run in another order and coerce.
  app.setValidatorCompiler(() => () => true)

  const methods = new MethodTable()
  app.addHook('onRoute', (routeOptions) => {
    methods.add(routeOptions.url ?? routeOptions.path, routeOptions.method)
    installRequestChecks(routeOptions, { tokens, ...(options.adminToken === undefined ? {} : { adminToken: options.adminToken }) })
  })

  installJsonBodyParser(app)
  installErrorHandling(app, methods, bodyLimit)
  installRequestLog(app)

  // CORS by surface: the Losant routes for any origin, the rest as configured (src/security/origins.ts).
  await app.register(cors, { delegator: (request, callback) => callback(null, origins.corsOptions(request)) })
  await registerOpenApi(app, options.adminToken === undefined ? {} : { adminToken: options.adminToken })

  await app.register(losantRoutes)
  await app.register(controlRoutes, { prefix: '/_emulator' })
  await app.register(uiRoutes)
  return app
}

/**
 * Fastify's own response serializers (fast-json-stringify), each compiled on the first
 * answer that uses it instead of for every route at start-up (start-up time:
 * docs/PERFORMANCE.md). The bytes sent are the same.
 */
const lazySerializers: SerializerFactory = (externalSchemas, options) => {
  const compile = SerializerSelector()(externalSchemas, options)
  return (route) => {
    let serialize: ((doc: unknown) => string) | undefined
    return (doc) => (serialize ??= compile(route))(doc)
  }
}

/**
 * Deepest JSON body accepted. Every schema here is a few levels deep; JSON.parse takes any
 * depth, but JSON.stringify (of a journaled body, a fault's body) and validators recurse,
 * and would overflow the stack on `[[[[...]]]]`.
 */
export const MAX_JSON_DEPTH = 64

/** How deep `[` and `{` nest in JSON text, outside strings; one pass, no parse. */
export function nestingDepth (text: string): number {
  let depth = 0
  let deepest = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (inString) {
      if (code === 92) i++ // backslash: skip the escaped character
      else if (code === 34) inString = false
    } else if (code === 34) {
      inString = true
    } else if (code === 91 || code === 123) {
      if (++depth > deepest) deepest = depth
    } else if (code === 93 || code === 125) {
      depth--
    }
  }
  return deepest
}

/**
 * JSON is the only body type. An empty body is no body (`invite is required`, as the real
 * service says), not a parse error, whatever its content type: the official client sends
 * an absent body as an empty form-encoded one. Plain JSON.parse: `__proto__` stays an own
 * key, which the schemas then refuse as an additional property; nothing merges request
 * objects.
 */
function installJsonBodyParser (app: FastifyInstance): void {
  app.removeAllContentTypeParsers()
  // Any other type: refused before a byte of it is read (so 415 comes before 413), unless
  // the request says it has no body: `Content-Length: 0`, or neither it nor
  // `Transfer-Encoding` (HTTP/1.1's rule for a request without a body).
  app.addContentTypeParser('*', (request, _payload, done) => {
    const { 'content-length': length, 'transfer-encoding': encoding } = request.headers
    if (length === '0' || (length === undefined && encoding === undefined)) done(null, undefined)
    else done(errors.unsupportedMediaType(request.headers['content-type']), undefined)
  })
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string
    if (text.trim() === '') {
      done(null, undefined)
      return
    }
    if (nestingDepth(text) > MAX_JSON_DEPTH) {
      done(errors.nestedTooDeep(MAX_JSON_DEPTH), undefined)
      return
    }
    try {
      done(null, JSON.parse(text))
    } catch {
      done(errors.malformedJson(), undefined)
    }
  })
}

const FASTIFY_CLIENT_ERRORS: Record<string, (error: { message: string }, bodyLimit: number, contentType: string | undefined) => LosantError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: (_e, limit) => errors.payloadTooLarge(limit),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: (_e, _l, type) => errors.unsupportedMediaType(type),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => errors.validation('Content-Length does not match the body')
}

/** One error handler: every error leaves in Losant's shape; 5xx are logged and say nothing internal. */
function installErrorHandling (app: FastifyInstance, methods: MethodTable, bodyLimit: number): void {
  app.setErrorHandler((error: Error & { code?: string, statusCode?: number }, request, reply) => {
    let losant: LosantError
    let failure: StorageFailure | undefined
    if (error instanceof LosantError) {
      losant = error
    } else if (error.code !== undefined && FASTIFY_CLIENT_ERRORS[error.code] !== undefined) {
      losant = FASTIFY_CLIENT_ERRORS[error.code]!(error, bodyLimit, request.headers['content-type'])
    } else if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      losant = errors.ofStatus(error.statusCode, error.message)
    } else if ((failure = app.emulator.store.recordFailure(error)) !== undefined) {
      // A database file gone is logged once, when found (buildApp), not with every write refused.
      if (failure.kind !== 'moved') request.log.error({ err: error, method: request.method, url: redactUrl(request.url), storage: failure.kind }, 'storage failure')
      losant = errors.storageFailure(failure)
    } else {
      request.log.error({ err: error, method: request.method, url: redactUrl(request.url) }, 'unhandled error')
      losant = errors.internal()
    }
    // Answered before the body arrived (413, 415): Fastify asks to close, which would reset
    // the connection under a client still sending; the rest is read instead (connections.ts).
    if (!request.raw.complete) reply.removeHeader('connection')
    return reply.code(losant.statusCode).headers(losant.headers).send(losant.toBody())
  })

  const answerUnrouted = (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0] ?? request.url
    const allowed = methods.allowed(path)
    const error = allowed.length > 0 ? errors.methodNotAllowed(request.method, allowed) : errors.pathNotFound(path)
    return reply.code(error.statusCode).headers(error.headers).send(error.toBody())
  }
  app.setNotFoundHandler(answerUnrouted)
  // @fastify/cors takes every OPTIONS request, and answers one that is not a CORS
  // preflight (no Origin or Access-Control-Request-Method) in plain text: here it is
  // answered as any method a path does not have. Registered before the CORS hook.
  app.addHook('onRequest', (request, reply, done) => {
    if (request.method === 'OPTIONS' && (request.headers.origin === undefined || request.headers['access-control-request-method'] === undefined)) {
      return answerUnrouted(request, reply)
    }
    done()
  })
}

/**
 * What Node's HTTP parser refuses before Fastify sees a request: request line and headers
 * past `http.maxHeaderSize` (16 KiB; a long URL or token too, so 431, never 414), malformed
 * HTTP, a request too slow to arrive. Fastify's default answers its own body shape.
 */
function answerClientError (error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const losant = error.code === 'HPE_HEADER_OVERFLOW'
    ? errors.headersTooLarge(maxHeaderSize)
    : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? errors.requestTimeout() : errors.malformedRequest()
  const body = JSON.stringify(losant.toBody())
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${losant.statusCode} ${STATUS_CODES[losant.statusCode]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
  }
  socket.destroy(error)
}

/** One line per request: method, path, status, time. Tokens never appear (redactUrl; headers are not logged). */
function installRequestLog (app: FastifyInstance): void {
  // Callback style, and nothing built when info is off (--log-level silent): no promise,
  // no regex per request (performance: docs/PERFORMANCE.md).
  app.addHook('onResponse', (request, reply, done) => {
    const log = request.log as FastifyBaseLogger & { isLevelEnabled?: (level: string) => boolean }
    if (log.isLevelEnabled?.('info') !== false) {
      log.info({
        method: request.method,
        url: redactUrl(request.url),
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10
      }, 'request')
    }
    done()
  })
}
