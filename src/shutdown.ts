import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'

export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000

/**
 * A drain for an HTTP server: on stop(), every answer already begun reaches its client,
 * idle keep-alive connections close at once, and what is still open when the grace period
 * ends is cut. Install before the server listens; the caller then closes the server
 * (Fastify's close(): its preClose hooks end the journal's event streams first).
 *
 * Node's server.close() (from Node 19) runs closeIdleConnections(), which counts a
 * connection as idle once its response has been handed to `end()`, and destroys it while
 * a slow client is still reading the bytes buffered for it (a multi-MB listing was cut
 * short). While stopping, that method only closes connections with nothing left to send.
 */
export class ConnectionDrain {
  readonly #server: Server
  /**
   * Every open connection, with its latest response (undefined before its first request).
   * HTTP/1.1 answers a connection's requests in order, so when the latest has finished
   * sending, every earlier one has too.
   */
  readonly #open = new Map<Socket, ServerResponse | undefined>()
  #stopping: Promise<{ cut: number }> | undefined
  /** While stopping: called when the last connection closes. */
  #onEmpty: (() => void) | undefined
  #cutNow: (() => void) | undefined

  constructor (server: Server) {
    this.#server = server
    server.on('connection', (socket: Socket) => {
      this.#open.set(socket, undefined)
      socket.once('close', () => {
        this.#open.delete(socket)
        if (this.#open.size === 0) this.#onEmpty?.()
      })
    })
    // First among the request listeners, so the header is set before any answer starts.
    // Nothing more per request than one Map entry until a stop begins.
    server.prependListener('request', (request: IncomingMessage, response: ServerResponse) => {
      if (!this.#open.has(request.socket)) return
      this.#open.set(request.socket, response)
      // A request that arrives while stopping is answered, and its connection then closes.
      if (this.#stopping !== undefined) this.#closeAfter(request.socket, response)
    })
  }

  /**
   * Waits for the answers in progress (at most `graceMs`), then cuts the connections still
   * open. Resolves once none is left, to how many were cut.
   */
  stop (graceMs: number): Promise<{ cut: number }> {
    if (this.#stopping !== undefined) return this.#stopping
    this.#stopping = new Promise((resolve) => {
      const finish = (cut: number): void => {
        clearTimeout(timer)
        this.#onEmpty = undefined
        this.#cutNow = undefined
        resolve({ cut })
      }
      this.#onEmpty = () => finish(0)
      this.#cutNow = () => {
        const cut = this.#open.size
        this.#onEmpty = undefined
        for (const socket of this.#open.keys()) socket.destroy()
        finish(cut)
      }
      const timer = setTimeout(this.#cutNow, graceMs)
      // What server.close() calls: every connection is already handled below.
      this.#server.closeIdleConnections = () => {}
      for (const [socket, response] of this.#open) this.#closeAfter(socket, response)
      if (this.#open.size === 0) finish(0)
    })
    return this.#stopping
  }

  /** While stopping: cuts every connection still open now, without waiting for the grace period. */
  cutNow (): void {
    this.#cutNow?.()
  }

  /** Closes the connection once `response` has been handed to the system in full (at once when there is none). */
  #closeAfter (socket: Socket, response: ServerResponse | undefined): void {
    if (response === undefined || response.writableFinished) {
      closeSoon(socket)
      return
    }
    if (!response.headersSent) response.setHeader('connection', 'close')
    // 'close' follows 'finish', which comes once the last byte was handed to the system.
    response.once('close', () => closeSoon(socket))
  }
}

/** Ends the connection once what is buffered for it has been written: nothing is dropped. */
function closeSoon (socket: Socket): void {
  if (socket.destroyed || socket.writableEnded) return
  socket.end(() => socket.destroy())
}

/**
 * The one way the emulator stops, for the CLI's signals and `startEmulator().stop()`
 * alike: stop accepting, drain (answers already begun reach their clients, however slowly
 * they read, for at most the grace period) while the app closes (it answers requests that
 * still arrive with 503, ends the journal's event streams, and closes the database once no
 * connection is left); then what is still open is cut, and the log says how many.
 * Made before the server listens (the drain follows every connection).
 */
export class GracefulStop {
  readonly #app: FastifyInstance
  readonly #logger: FastifyBaseLogger
  readonly #drain: ConnectionDrain
  #stopped: Promise<void> | undefined
  #hurried = false

  constructor (app: FastifyInstance, logger: FastifyBaseLogger = app.log) {
    this.#app = app
    this.#logger = logger
    this.#drain = new ConnectionDrain(app.server)
  }

  /** Resolves once the app is closed; later calls answer the same promise. `signal`: what asked (for the log). */
  stop (graceMs: number, signal?: string): Promise<void> {
    if (this.#stopped !== undefined) return this.#stopped
    const started = performance.now()
    this.#logger.info(signal === undefined ? {} : { signal }, 'stopping')
    const drained = this.#drain.stop(graceMs)
    this.#stopped = this.#app.close().then(async () => {
      const { cut } = await drained
      if (cut > 0) this.#logger.warn({ cut, graceMs }, `cut ${cut} connection(s) still open ${this.#hurried ? 'on a second signal' : `after the grace period of ${graceMs} ms`}`)
      this.#logger.info(`stopped after ${Math.round(performance.now() - started)} ms`)
    })
    return this.#stopped
  }

  /** While stopping: cuts every connection still open now, without waiting for the grace period. */
  cutNow (signal?: string): void {
    if (this.#stopped === undefined) return
    this.#hurried = true
    this.#logger.info(signal === undefined ? {} : { signal }, 'stopping now')
    this.#drain.cutNow()
  }
}

/**
 * The CLI's stop on SIGTERM and SIGINT: GracefulStop, then exit 0 (1 if closing failed).
 * A second signal cuts what is left at once.
 */
export function stopOnSignals (app: FastifyInstance, logger: FastifyBaseLogger, graceMs: number): void {
  const stopper = new GracefulStop(app, logger)
  let stopping = false
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) {
        stopper.cutNow(signal)
        return
      }
      stopping = true
      stopper.stop(graceMs, signal).then(() => exitAfterLogs(0), (error: unknown) => {
        logger.error({ err: error }, 'error while stopping')
        exitAfterLogs(1)
      })
    })
  }
}

/**
 * Ends the process once what it still does (the logger's last writes) is done, within a
 * second. Not process.exit() at once: pino would then write its last lines in its exit
 * hook, whose flushSync() (sonic-boom 4) retries for ever when stdout is a broken pipe
 * (EPIPE: the log reader is gone), and the process would never end.
 */
function exitAfterLogs (code: number): void {
  process.exitCode = code
  setTimeout(() => process.exit(code), 1000).unref()
}
