import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { SerializerSelector, type SerializerFactory } from '@fastify/fast-json-stringify-compiler'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { TokenService } from './auth/tokens.js'
import { Clock } from './clock.js'
import { installConnectionHandling } from './connections.js'
import { Emulator } from './emulator.js'
import { storageProblemReason } from './errors.js'
import { installHarness } from './harness/index.js'
import { answerClientError, answerFrameworkError, installErrorHandling } from './http/error-handling.js'
import { installPipeline } from './http/pipeline.js'
import { logsAt } from './http/request-log.js'
import { MethodTable } from './http/routing.js'
import { Listings, type ListingsOptions } from './listings/index.js'
import { registerOpenApi } from './openapi.js'
import { parseQuery } from './querystring.js'
import { OriginPolicy } from './security/origins.js'
import controlRoutes from './routes/control/index.js'
import losantRoutes from './routes/losant/index.js'
import uiRoutes from './routes/control/ui.js'
import type { Snapshot } from './schemas/snapshot.js'
import { validateSnapshot } from './snapshot.js'
import { SqliteInviteStore } from './store/sqlite.js'

const DEFAULT_INVITE_TTL_MS = 7 * 24 * 60 * 60 * 1000
const DEFAULT_BODY_LIMIT = 1024 * 1024

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

/**
 * Options no user sets: not part of AppOptions, not exported from src/index.ts.
 * @public
 */
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

/**
 * buildApp, with the options only the benchmark sets (bench/variant-server.mjs imports it
 * by a computed path, which knip cannot follow).
 * @public
 */
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
    // A logger that writes nothing (--log-level silent) is every request's own: no child
    // logger made per request for lines nobody keeps (performance: docs/PERFORMANCE.md).
    ...(options.loggerInstance !== undefined && !logsAt(options.loggerInstance, 'fatal') ? { childLoggerFactory: (logger: FastifyBaseLogger) => logger } : {}),
    bodyLimit,
    // Our own one line per request (src/http/request-log.ts) replaces Fastify's two.
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
    // Errors raised before routing, and what Node's HTTP parser refuses, in Losant's shape.
    frameworkErrors: answerFrameworkError,
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
  const harness = installHarness(app, emulator, { journal: options.journal, journalSize: options.journalSize })

  // Every hook that decides what a request gets, in the order of checks (src/http/pipeline.ts).
  const methods = new MethodTable()
  await installPipeline(app, { origins, harness, methods, tokens, ...(options.adminToken === undefined ? {} : { adminToken: options.adminToken }) })
  installErrorHandling(app, store, methods, bodyLimit)

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
