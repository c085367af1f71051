import { maxHeaderSize, STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { TokenService } from './auth/tokens.js'
import { Clock } from './clock.js'
import { errors, LosantError } from './errors.js'
import { installRequestChecks } from './pipeline.js'
import { MethodTable } from './routing.js'
import controlRoutes from './routes/control/index.js'
import losantRoutes from './routes/losant/index.js'
import { SqliteInviteStore } from './store/sqlite.js'
import type { InviteStore } from './store/types.js'

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
}

export interface EmulatorContext {
  store: InviteStore
  tokens: TokenService
  clock: Clock
  inviteTtlMs: number
}

declare module 'fastify' {
  interface FastifyInstance {
    emulator: EmulatorContext
  }
}

/**
 * The whole emulator as a Fastify instance, not listening: the CLI and `startEmulator`
 * listen; tests use `inject`.
 */
export async function buildApp (options: AppOptions = {}): Promise<FastifyInstance> {
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT
  const app = Fastify({
    ...(options.loggerInstance === undefined ? { logger: options.logger ?? false } : { loggerInstance: options.loggerInstance }),
    bodyLimit,
    // Our own one line per request (installRequestLog) replaces Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: {
      ignoreTrailingSlash: true,
      // Long ids must reach validation (400 `pattern mismatch`), not fall out of routing.
      maxParamLength: 4096
    },
    return503OnClosing: true,
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

  const clock = options.clock ?? new Clock()
  const store = new SqliteInviteStore(options.db ?? ':memory:')
  const tokens = new TokenService(store.signingKey(), clock, store.staticTokens())
  app.decorate('emulator', { store, tokens, clock, inviteTtlMs: options.inviteTtlMs ?? DEFAULT_INVITE_TTL_MS })
  app.addHook('onClose', async () => store.close())

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

  await app.register(losantRoutes)
  await app.register(controlRoutes, { prefix: '/_emulator' })
  return app
}

/**
 * JSON is the only body type. An empty body is no body (`invite is required`, as the real
 * service says), not a parse error. Plain JSON.parse: `__proto__` stays an own key, which
 * the schemas then refuse as an additional property; nothing merges request objects.
 */
function installJsonBodyParser (app: FastifyInstance): void {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string
    if (text.trim() === '') {
      done(null, undefined)
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
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => errors.validation('Content-Length does not match the body'),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => errors.validation('Request body is not valid JSON'),
  FST_ERR_CTP_INVALID_JSON_BODY: () => errors.malformedJson()
}

/** One error handler: every error leaves in Losant's shape; 5xx are logged and say nothing internal. */
function installErrorHandling (app: FastifyInstance, methods: MethodTable, bodyLimit: number): void {
  app.setErrorHandler((error: Error & { code?: string, statusCode?: number }, request, reply) => {
    let losant: LosantError
    if (error instanceof LosantError) {
      losant = error
    } else if (error.code !== undefined && FASTIFY_CLIENT_ERRORS[error.code] !== undefined) {
      losant = FASTIFY_CLIENT_ERRORS[error.code]!(error, bodyLimit, request.headers['content-type'])
    } else if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      losant = new LosantError(error.statusCode, 'BadRequest', error.message)
    } else {
      request.log.error({ err: error, method: request.method, url: redactUrl(request.url) }, 'unhandled error')
      losant = errors.internal()
    }
    return reply.code(losant.statusCode).headers(losant.headers).send(losant.toBody())
  })

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? request.url
    const allowed = methods.allowed(path)
    const error = allowed.length > 0 ? errors.methodNotAllowed(request.method, allowed) : errors.pathNotFound(path)
    return reply.code(error.statusCode).headers(error.headers).send(error.toBody())
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

/** Query parameters that may carry a bearer token: never logged. */
const SECRET_QUERY = /([?&](?:access_token|jwt|token)=)[^&]*/gi

export function redactUrl (url: string): string {
  return url.replace(SECRET_QUERY, '$1[redacted]')
}

/** One line per request: method, path, status, time. Tokens never appear (headers are not logged). */
function installRequestLog (app: FastifyInstance): void {
  app.addHook('onResponse', async (request, reply) => {
    request.log.info({
      method: request.method,
      url: redactUrl(request.url),
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10
    }, 'request')
  })
}
