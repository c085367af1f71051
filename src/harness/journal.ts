import type { JournalEntry, TokenSummary } from '../schemas/harness.js'
import { compileMatch, type RequestKey, type RequestMatch, type RequestMatcher } from './match.js'

export const DEFAULT_JOURNAL_SIZE = 1000

/** Bodies larger than this are not kept (`bodyOmitted: true`): 1000 entries of 1 MiB would be 1 GiB. */
export const MAX_JOURNAL_BODY_BYTES = 64 * 1024

/** A recorded request as kept: already redacted; `time` in epoch milliseconds. */
export interface JournalRecord extends RequestKey {
  time: number
  query: Record<string, unknown>
  headers: Record<string, unknown>
  body?: unknown
  bodyOmitted?: true
  token?: TokenSummary
  status: number | null
  durationMs: number
  fault?: string
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
  #entries: Array<JournalRecord & { id: number }> = []
  #nextId = 1

  constructor (size: number = DEFAULT_JOURNAL_SIZE) {
    this.size = size
  }

  get enabled (): boolean {
    return this.size > 0
  }

  record (record: JournalRecord): void {
    if (this.size === 0) return
    const entries = this.#entries
    entries.push({ id: this.#nextId++, ...record })
    if (entries.length > this.size) entries.shift()
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

  #select (filter: RequestFilter): Array<JournalRecord & { id: number }> {
    const matches: RequestMatcher = compileMatch(filter)
    const since = filter.since === undefined ? -Infinity : new Date(filter.since).getTime()
    if (Number.isNaN(since)) throw new RangeError(`since is not a date: ${String(filter.since)}`)
    const limit = filter.limit ?? Infinity
    const selected: Array<JournalRecord & { id: number }> = []
    for (let i = this.#entries.length - 1; i >= 0 && selected.length < limit; i--) {
      const entry = this.#entries[i]!
      if (entry.time >= since && matches(entry)) selected.push(entry)
    }
    return selected
  }
}

function present (record: JournalRecord & { id: number }): JournalEntry {
  const entry: JournalEntry = {
    id: record.id,
    time: new Date(record.time).toISOString(),
    method: record.method,
    path: record.path,
    query: { ...record.query },
    headers: { ...record.headers },
    status: record.status,
    durationMs: record.durationMs
  }
  if (record.body !== undefined) entry.body = record.body
  if (record.bodyOmitted === true) entry.bodyOmitted = true
  if (record.token !== undefined) entry.token = record.token
  if (record.instanceId !== undefined) entry.instanceId = record.instanceId
  if (record.orgId !== undefined) entry.orgId = record.orgId
  if (record.fault !== undefined) entry.fault = record.fault
  return entry
}
