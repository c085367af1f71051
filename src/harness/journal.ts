import type { JournalEntry, TokenSummary } from '../schemas/harness.js'
import { compileMatch, requestKey, type RequestMatch, type RequestMatcher } from './match.js'

export const DEFAULT_JOURNAL_SIZE = 1000

/** Bodies larger than this are not kept (`bodyOmitted: true`): 1000 entries of 1 MiB would be 1 GiB. */
export const MAX_JOURNAL_BODY_BYTES = 64 * 1024

/**
 * A recorded request as kept: already redacted; `time` in epoch milliseconds. Every field
 * is always present (one object shape, cheap to build); the path, ids and the answer's
 * shape are worked out when listed.
 */
export interface JournalRecord {
  id: number
  time: number
  method: string
  /** With the query string. */
  url: string
  query: Record<string, unknown>
  headers: Record<string, unknown>
  body: unknown
  bodyOmitted: boolean
  token: TokenSummary | undefined
  status: number | null
  durationMs: number
  fault: string | undefined
  /** `ui`: the web UI's own request (journaled only when the journal is set to record them). */
  client: 'ui' | undefined
}

/** Which entries to list or remove. `since`: a Date, epoch milliseconds or an ISO 8601 string. */
export interface RequestFilter extends RequestMatch {
  since?: Date | number | string
  /** The newest `limit` matches only. */
  limit?: number
}

/**
 * The request journal: every answered Losant-route request, newest last, at most `size`
 * (the oldest dropped). In memory only: a reset clears it and snapshots leave it out.
 * Recording is an array push of an object built from references the request already
 * holds; filtering and formatting happen when someone asks.
 */
export class Journal {
  readonly size: number
  #entries: JournalRecord[] = []
  #nextId = 1
  readonly #listeners = new Set<(entry: JournalEntry) => void>()

  constructor (size: number = DEFAULT_JOURNAL_SIZE) {
    this.size = size
  }

  get enabled (): boolean {
    return this.size > 0
  }

  /** How many entries it holds now. */
  get length (): number {
    return this.#entries.length
  }

  /** The id of the newest entry ever recorded (0 before the first): it grows with every record. */
  get lastId (): number {
    return this.#nextId - 1
  }

  /**
   * Calls `listener` with every entry recorded from now on (the live stream of
   * GET /_emulator/requests/stream); answers the function that stops it. Entries are
   * presented only while someone listens.
   */
  subscribe (listener: (entry: JournalEntry) => void): () => void {
    this.#listeners.add(listener)
    return () => { this.#listeners.delete(listener) }
  }

  /** Keeps the record (its `id` is set here). */
  record (record: JournalRecord): void {
    if (this.size === 0) return
    const entries = this.#entries
    record.id = this.#nextId++
    entries.push(record)
    if (entries.length > this.size) entries.shift()
    if (this.#listeners.size > 0) {
      const entry = present(record)
      for (const listener of this.#listeners) listener(entry)
    }
  }

  /** Matches, newest first. */
  list (filter: RequestFilter = {}): JournalEntry[] {
    return this.#select(filter).map(present)
  }

  /** Removes the matches (the newest `limit` when given); answers how many. */
  remove (filter: RequestFilter = {}): number {
    const doomed = new Set(this.#select(filter))
    if (doomed.size > 0) this.#entries = this.#entries.filter((entry) => !doomed.has(entry))
    return doomed.size
  }

  clear (): void {
    this.#entries = []
  }

  #select (filter: RequestFilter): JournalRecord[] {
    const matches: RequestMatcher = compileMatch(filter)
    const since = filter.since === undefined ? -Infinity : new Date(filter.since).getTime()
    if (Number.isNaN(since)) throw new RangeError(`since is not a date: ${String(filter.since)}`)
    const limit = filter.limit ?? Infinity
    const selected: JournalRecord[] = []
    for (let i = this.#entries.length - 1; i >= 0 && selected.length < limit; i--) {
      const entry = this.#entries[i]!
      if (entry.time >= since && matches(requestKey(entry.method, entry.url))) selected.push(entry)
    }
    return selected
  }
}

function present (record: JournalRecord): JournalEntry {
  const key = requestKey(record.method, record.url)
  const entry: JournalEntry = {
    id: record.id,
    time: new Date(record.time).toISOString(),
    method: record.method,
    path: key.path,
    query: { ...record.query },
    headers: { ...record.headers },
    status: record.status,
    durationMs: record.durationMs
  }
  if (record.body !== undefined) entry.body = record.body
  if (record.bodyOmitted) entry.bodyOmitted = true
  if (record.token !== undefined) entry.token = record.token
  if (key.instanceId !== undefined) entry.instanceId = key.instanceId
  if (key.orgId !== undefined) entry.orgId = key.orgId
  if (record.fault !== undefined) entry.fault = record.fault
  if (record.client !== undefined) entry.client = record.client
  return entry
}
