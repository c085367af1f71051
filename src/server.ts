import pino from 'pino'
import { buildApp } from './app.js'
import { ConfigError, helpText, parseCommand, type Config, type LogLevel } from './config.js'
import { DEFAULT_SHUTDOWN_GRACE_MS, stopOnSignals } from './shutdown.js'
import { loadSeedFile, SnapshotError } from './snapshot.js'
import { DatabaseOpenError } from './store/open.js'
import { listeningUrl } from './listen-url.js'
import { VERSION } from './version.js'

/**
 * The process that listens: configuration from flags and environment, the app, and a
 * clean stop on SIGTERM/SIGINT (shutdown.ts: stop accepting, let answers in flight reach
 * their clients within the grace period, close the database, exit 0).
 */
async function main (): Promise<void> {
  let command
  try {
    command = parseCommand(process.argv.slice(2), process.env)
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message)
    throw error
  }
  if (command.kind === 'help') {
    process.stdout.write(helpText())
    return
  }
  if (command.kind === 'version') {
    process.stdout.write(`${VERSION}\n`)
    return
  }
  await serve(command.config)
}

async function serve (config: Config): Promise<void> {
  let seed
  try {
    seed = config.seed === undefined ? undefined : loadSeedFile(config.seed)
  } catch (error) {
    if (error instanceof SnapshotError) fail(error.message)
    throw error
  }
  const logger = await createLogger(config.logLevel)
  let app
  try {
    app = await buildApp({
      db: config.db,
      loggerInstance: logger,
      ...(seed === undefined ? {} : { seed }),
      ...(config.adminToken === undefined ? {} : { adminToken: config.adminToken }),
      ...(config.inviteTtlMs === undefined ? {} : { inviteTtlMs: config.inviteTtlMs }),
      ...(config.journal === false ? { journal: false } : {}),
      ...(config.journalSize === undefined ? {} : { journalSize: config.journalSize }),
      ...(config.allowedHosts === undefined ? {} : { allowedHosts: config.allowedHosts }),
      ...(config.corsOrigins === undefined ? {} : { corsOrigins: config.corsOrigins }),
      host: config.host
    })
  } catch (error) {
    fail(error instanceof DatabaseOpenError ? error.message : `cannot start: ${(error as Error).message}`)
  }
  stopOnSignals(app, logger, config.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS)
  try {
    await app.listen({ port: config.port, host: config.host, listenTextResolver: () => FASTIFY_LISTENING as unknown as string })
  } catch (error) {
    await app.close()
    fail(`cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`)
  }
  const address = app.server.address()
  const port = address !== null && typeof address === 'object' ? address.port : config.port
  const url = listeningUrl(config.host, port)
  // At every level but silent: a tool reading stdout finds the port (`--port 0`) there.
  if (config.logLevel !== 'silent') {
    logger.child({}, { level: 'info' }).info({ url, db: config.db, version: VERSION }, `Losant invites emulator ${VERSION} listening on ${url} (database ${config.db})`)
  }
}

/**
 * What Fastify's listen logs (one line per address, at info) is handed this object as its
 * text, and the logger drops it: the emulator says where it listens once, itself.
 */
const FASTIFY_LISTENING = Object.freeze({})

/** Request lines (src/http/request-log.ts) in a terminal: `GET /path 200 1.2 ms`, like the rest, on one line. */
const REQUEST_FIELDS = ['method', 'url', 'status', 'ms']

/**
 * Readable lines in a terminal, one per event; JSON lines otherwise (containers, CI, log
 * shippers). pino-pretty is loaded only for a terminal (start-up time: docs/PERFORMANCE.md).
 */
async function createLogger (level: LogLevel): Promise<pino.Logger> {
  const options: pino.LoggerOptions = {
    level,
    hooks: {
      logMethod (args, method) {
        if (args[0] !== FASTIFY_LISTENING) method.apply(this, args)
      }
    }
  }
  if (process.stdout.isTTY !== true) return pino(options)
  const pretty = (await import('pino-pretty')).default
  return pino(options, pretty({
    colorize: true,
    sync: true,
    // Other fields follow the message as JSON on the same line (an error's stack below it).
    singleLine: true,
    // The start line's fields are in its message; a request's make its message.
    ignore: ['pid', 'hostname', 'reqId', 'db', 'version', ...REQUEST_FIELDS].join(','),
    messageFormat: (log, messageKey) => {
      const message = String(log[messageKey])
      if (message !== 'request') return typeof log.method === 'string' ? `${message}: ${String(log.method)} ${String(log.url)}` : message
      return `${String(log.method)} ${String(log.url)} ${String(log.status)} ${String(log.ms)} ms`
    }
  }))
}

function fail (message: string): never {
  process.stderr.write(`losant-invites-emulator: ${message}\n`)
  process.exit(2)
}

// Not a top-level await: the bundle that runs this (scripts/bundle.mjs) is a CommonJS
// script. An unexpected error still ends the process as an uncaught exception (exit 1).
main().catch((error: unknown) => {
  process.nextTick(() => { throw error })
})
