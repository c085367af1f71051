import pino from 'pino'
import { buildApp } from './app.js'
import { ConfigError, helpText, parseCommand, type Config } from './config.js'
import { loadSeedFile, SnapshotError } from './snapshot.js'
import { VERSION } from './version.js'

/**
 * The process that listens: configuration from flags and environment, the app, and a
 * clean stop on SIGTERM/SIGINT (stop accepting, finish requests in flight, close the
 * database, exit 0).
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
  // Readable lines in a terminal, JSON lines otherwise (containers, CI, log shippers).
  // pino-pretty is loaded only for a terminal (start-up time: docs/PERFORMANCE.md).
  const logger = process.stdout.isTTY
    ? pino({ level: config.logLevel }, (await import('pino-pretty')).default({ colorize: true, sync: true, ignore: 'pid,hostname,reqId' }))
    : pino({ level: config.logLevel })
  let app
  try {
    app = await buildApp({
      db: config.db,
      loggerInstance: logger,
      ...(seed === undefined ? {} : { seed }),
      ...(config.adminToken === undefined ? {} : { adminToken: config.adminToken }),
      ...(config.inviteTtlMs === undefined ? {} : { inviteTtlMs: config.inviteTtlMs }),
      ...(config.journal === false ? { journal: false } : {}),
      ...(config.journalSize === undefined ? {} : { journalSize: config.journalSize })
    })
  } catch (error) {
    fail(`cannot start: ${(error as Error).message}`)
  }
  let stopping = false
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return
      stopping = true
      logger.info({ signal }, 'stopping')
      app.close().then(() => process.exit(0), (error: unknown) => {
        logger.error({ err: error }, 'error while stopping')
        process.exit(1)
      })
    })
  }
  try {
    await app.listen({ port: config.port, host: config.host })
  } catch (error) {
    await app.close()
    fail(`cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`)
  }
  const address = app.server.address()
  const port = address !== null && typeof address === 'object' ? address.port : config.port
  const shownHost = config.host.includes(':') ? `[${config.host}]` : config.host
  logger.info({ url: `http://${shownHost}:${port}`, db: config.db, version: VERSION }, `Losant invites emulator listening on http://${shownHost}:${port}`)
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
