import type { FastifyInstance } from 'fastify'
import pino from 'pino'
import { buildApp } from './app.js'
import type { MintedToken, MintRequest } from './auth/tokens.js'
import type { LogLevel } from './config.js'
import { parseFaultSpec } from './harness/faults.js'
import { listeningUrl } from './listen-url.js'
import { DEFAULT_SHUTDOWN_GRACE_MS, GracefulStop } from './shutdown.js'
import type { RequestFilter } from './harness/journal.js'
import type { Fault, FaultSpec, JournalEntry } from './schemas/harness.js'
import type { OutboxMessageBody } from './schemas/control.js'
import type { Snapshot } from './schemas/snapshot.js'
import { loadSeedFile, validateSnapshot } from './snapshot.js'

export { buildApp, type AppOptions } from './app.js'
export type { MintedToken, MintRequest } from './auth/tokens.js'
export type { LogLevel } from './config.js'
export type { Snapshot } from './schemas/snapshot.js'
export type { OutboxMessageBody as OutboxMessage } from './schemas/control.js'

/** Either an offset from real time, or the instant it should be now. */
export type ClockSetting = { offsetMs: number } | { now: string | number | Date }
export { SnapshotError } from './snapshot.js'
export { FaultSpecError } from './harness/faults.js'
export type { RequestFilter } from './harness/journal.js'
export type { Fault, FaultSpec, JournalEntry, TokenSummary } from './schemas/harness.js'

export interface StartOptions {
  /** Default 0: any free port (read it back from `port` or `url`). */
  port?: number
  /** Default 127.0.0.1. */
  host?: string
  /** SQLite file, or ':memory:' (the default). */
  db?: string
  /** A seed: the snapshot format as an object, or the path of a JSON file. */
  seed?: Snapshot | string
  /** Default 'silent'. */
  logLevel?: LogLevel
  /** When set, the control plane requires `Authorization: Bearer <adminToken>`. */
  adminToken?: string
  /** Lifetime of new invites, in milliseconds. Default 7 days. */
  inviteTtlMs?: number
  /** false: the request journal records nothing. */
  journal?: boolean
  /** Most requests the journal keeps. Default 1000. */
  journalSize?: number
  /** Host names answered besides the defaults (localhost, IPs, names without a dot...): docs/SECURITY.md. */
  allowedHosts?: string[]
  /** Origins (`http://localhost:5173`) allowed to call the control plane from a browser, with CORS. */
  corsOrigins?: string[]
  /** How long stop() waits for answers in flight before it cuts their connections, in milliseconds. Default 10000, as the CLI's --shutdown-grace. */
  shutdownGraceMs?: number
}

export interface RunningEmulator {
  /** `http://127.0.0.1:<port>` */
  url: string
  port: number
  /** The Fastify instance, for `inject` and anything else. */
  app: FastifyInstance
  mintToken: (request: MintRequest) => Promise<MintedToken>
  /** Back to the seed (empty without one). */
  reset: () => Promise<void>
  snapshot: () => Promise<Required<Snapshot>>
  /** Replaces the whole state; an invalid snapshot throws SnapshotError and changes nothing. */
  restore: (snapshot: Snapshot) => Promise<void>
  /** Recorded requests to the Losant routes matching the filter, newest first. */
  requests: (filter?: RequestFilter) => Promise<JournalEntry[]>
  /** Removes the matching recorded requests (all without a filter); resolves to how many. */
  clearRequests: (filter?: RequestFilter) => Promise<number>
  /** As POST /_emulator/faults; an invalid spec throws FaultSpecError. */
  addFault: (spec: FaultSpec) => Promise<Fault>
  faults: () => Promise<Fault[]>
  clearFaults: () => Promise<void>
  /** Invite e-mails that would have been sent (with their tokens and what their links do now), newest first. */
  outbox: (filter?: { email?: string, limit?: number }) => Promise<OutboxMessageBody[]>
  /** Moves the emulator's time; `{ offsetMs: 0 }` is real time again. Resolves to the new time. */
  setClock: (setting: ClockSetting) => Promise<{ now: string, offsetMs: number }>
  /**
   * Stops as the CLI does on SIGTERM (one code path, src/shutdown.ts): no new connection,
   * idle ones closed at once, every answer already begun sent in full (at most
   * `shutdownGraceMs`, then cut), the database closed. Resolves once all that is done.
   */
  stop: () => Promise<void>
}

/**
 * Starts an emulator for a test suite: listening, in memory by default, silent.
 * Each call is independent: run several side by side on port 0.
 */
export async function startEmulator (options: StartOptions = {}): Promise<RunningEmulator> {
  const graceMs = options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS
  if (!Number.isFinite(graceMs) || graceMs < 0) throw new TypeError(`startEmulator: shutdownGraceMs must be a number of milliseconds, 0 or more, not ${String(options.shutdownGraceMs)}`)
  const seed = typeof options.seed === 'string' ? loadSeedFile(options.seed) : options.seed
  const app = await buildApp({
    db: options.db ?? ':memory:',
    loggerInstance: pino({ level: options.logLevel ?? 'silent' }),
    ...(seed === undefined ? {} : { seed }),
    ...(options.adminToken === undefined ? {} : { adminToken: options.adminToken }),
    ...(options.inviteTtlMs === undefined ? {} : { inviteTtlMs: options.inviteTtlMs }),
    ...(options.journal === undefined ? {} : { journal: options.journal }),
    ...(options.journalSize === undefined ? {} : { journalSize: options.journalSize }),
    ...(options.allowedHosts === undefined ? {} : { allowedHosts: options.allowedHosts }),
    ...(options.corsOrigins === undefined ? {} : { corsOrigins: options.corsOrigins }),
    host: options.host ?? '127.0.0.1'
  })
  const host = options.host ?? '127.0.0.1'
  const stopper = new GracefulStop(app)
  try {
    await app.listen({ port: options.port ?? 0, host })
  } catch (error) {
    await app.close()
    throw error
  }
  const address = app.server.address()
  const port = address !== null && typeof address === 'object' ? address.port : options.port ?? 0
  const { emulator, harness } = app
  return {
    url: listeningUrl(host, port),
    port,
    app,
    mintToken: async (request) => emulator.tokens.mint(request),
    reset: async () => emulator.reset(),
    snapshot: async () => emulator.snapshot(),
    restore: async (snapshot) => emulator.restore(validateSnapshot(snapshot)),
    requests: async (filter) => harness.journal.list(filter),
    clearRequests: async (filter) => harness.journal.remove(filter),
    addFault: async (spec) => harness.faults.add(parseFaultSpec(spec)),
    faults: async () => harness.faults.list(),
    clearFaults: async () => { harness.faults.clear() },
    outbox: async (filter) => emulator.outbox(filter?.email, filter?.limit),
    setClock: async (setting) => {
      if ('offsetMs' in setting) emulator.clock.setOffset(setting.offsetMs)
      else {
        const epochMs = new Date(setting.now).getTime()
        if (Number.isNaN(epochMs)) throw new TypeError(`setClock: not a date: ${String(setting.now)}`)
        emulator.clock.setNow(epochMs)
      }
      return emulator.clockState()
    },
    stop: async () => { await stopper.stop(graceMs) }
  }
}
