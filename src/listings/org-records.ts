import { characterPresence } from '../glob.js'
import type { InviteListQuery, InviteRecord } from '../store/types.js'

/**
 * Orgs' invites in the default order (inviteDate, then id, descending, as the store lists
 * them), kept from the last unfiltered listing of the org until the store announces a
 * change to its invites (performance, docs/PERFORMANCE.md): a listing after a write
 * elsewhere, with any filter or order, is computed from them instead of read from SQLite
 * again, and an upsert or resend is patched into them (the next POST's answer). Bounded:
 * an org with more than `maxPerOrg` invites is not kept, and at most `maxRecords` are kept
 * in all (the orgs used longest ago go first). Kept arrays never change: a patch makes a
 * new one.
 */
export class OrgRecordsCache {
  readonly #entries = new Map<string, readonly InviteRecord[]>()
  readonly #maxRecords: number
  readonly #maxPerOrg: number
  #count = 0

  constructor (maxRecords = 20_000, maxPerOrg = 5_000) {
    this.#maxRecords = maxRecords
    this.#maxPerOrg = maxPerOrg
  }

  /** The org's records, or undefined. */
  get (instanceId: string, orgId: string): readonly InviteRecord[] | undefined {
    const key = entryKey(instanceId, orgId)
    const records = this.#entries.get(key)
    if (records === undefined) return undefined
    // Used last: it goes last.
    this.#entries.delete(key)
    this.#entries.set(key, records)
    return records
  }

  /** Keeps `records`, which must be the org's whole listing in the default order. */
  set (instanceId: string, orgId: string, records: readonly InviteRecord[]): void {
    const key = entryKey(instanceId, orgId)
    this.#delete(key)
    if (records.length > this.#maxPerOrg) return
    this.#entries.set(key, records)
    this.#count += records.length
    for (const oldest of this.#entries.keys()) {
      if (this.#count <= this.#maxRecords) break
      this.#delete(oldest)
    }
  }

  /** The org's invites changed: by `written` alone (patched in), or otherwise (dropped). */
  changed (instanceId: string, orgId: string, written?: InviteRecord): void {
    const key = entryKey(instanceId, orgId)
    const records = this.#entries.get(key)
    if (records === undefined) return
    this.#delete(key)
    if (written !== undefined) this.set(instanceId, orgId, withUpsertedInvite(records, written))
  }

  clear (): void {
    this.#entries.clear()
    this.#count = 0
  }

  #delete (key: string): void {
    const records = this.#entries.get(key)
    if (records === undefined) return
    this.#entries.delete(key)
    this.#count -= records.length
  }
}

function entryKey (instanceId: string, orgId: string): string {
  return `${instanceId.length}|${instanceId}|${orgId}`
}

/**
 * What `store.listInvites(query)` answers, computed from the org's records in the default
 * order: the same filter (the glob over the field) and the same order (the sort field in
 * SQLite's byte order, then id, both in the query's direction). `records` must not change
 * once listed: what a filter learns of their emails is kept with the array.
 */
export function listFromRecords (records: readonly InviteRecord[], query: InviteListQuery): InviteRecord[] {
  const { filter } = query
  let out: InviteRecord[]
  if (filter === undefined) {
    out = records.slice()
  } else {
    out = []
    const { glob } = filter
    if (filter.field === 'email') {
      // As the store does: the pattern's required run of characters first (a fast search),
      // then the glob. Emails are stored lower-cased (the store's instr() relies on it too).
      const required = glob.requiredLiteral
      if (glob.screensAlternatives) {
        const presence = emailPresenceOf(records)
        for (let i = 0; i < records.length; i++) {
          const record = records[i]!
          if (glob.matchesLowerCaseGiven(record.email, presence[2 * i]!, presence[2 * i + 1]!)) out.push(record)
        }
      } else {
        for (const record of records) if (record.email.includes(required) && glob.matchesLowerCase(record.email)) out.push(record)
      }
    } else {
      for (const record of records) if (glob.matches(record.role)) out.push(record)
    }
  }
  if (query.sortField === 'inviteDate') {
    // Already inviteDate then id, descending.
    if (query.sortDirection === 'asc') out.reverse()
    return out
  }
  const field = query.sortField
  const sign = query.sortDirection === 'asc' ? 1 : -1
  return out.sort((a, b) => sign * (compareUtf8(a[field], b[field]) || compareUtf8(a.id, b.id)))
}

/**
 * Each records array's emails' `characterPresence` (once and twice, two numbers a record),
 * made by the first filter with brace alternatives over it: kept records never change, and
 * the next such filters skip the pass over every email (performance, docs/PERFORMANCE.md, g).
 */
const emailPresence = new WeakMap<readonly InviteRecord[], Int32Array>()

function emailPresenceOf (records: readonly InviteRecord[]): Int32Array {
  let presence = emailPresence.get(records)
  if (presence === undefined) {
    presence = new Int32Array(records.length * 2)
    for (let i = 0; i < records.length; i++) {
      const { once, twice } = characterPresence(records[i]!.email)
      presence[2 * i] = once
      presence[2 * i + 1] = twice
    }
    emailPresence.set(records, presence)
  }
  return presence
}

/** Records in the default order (inviteDate, then id, descending): what `OrgRecordsCache` keeps. */
export function inDefaultOrder (records: readonly InviteRecord[]): InviteRecord[] {
  return records.slice().sort((a, b) => b.inviteDate - a.inviteDate || compareUtf8(b.id, a.id))
}

/**
 * SQLite's BINARY order for text (memcmp of the UTF-8 bytes) over JavaScript strings
 * (UTF-16): the same as code unit order, except that surrogates (characters past U+FFFF,
 * four UTF-8 bytes) sort after U+E000-U+FFFF (three bytes).
 */
export function compareUtf8 (a: string, b: string): number {
  if (a === b) return 0
  const length = Math.min(a.length, b.length)
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x !== y) return x >= 0xD800 && y >= 0xD800 ? utf8Rank(x) - utf8Rank(y) : x - y
  }
  return a.length - b.length
}

/** A code unit at or above U+D800, ranked as its character's UTF-8 bytes sort. */
function utf8Rank (unit: number): number {
  return unit >= 0xE000 ? unit - 0x800 : unit + 0x2000
}

/**
 * An org's records in the default order after `invite` was created or replaced (an upsert,
 * a resend): the same list the store would read back, without reading it.
 */
export function withUpsertedInvite (records: readonly InviteRecord[], invite: InviteRecord): InviteRecord[] {
  const out: InviteRecord[] = []
  let placed = false
  for (const record of records) {
    if (record.id === invite.id) continue
    if (!placed && (record.inviteDate < invite.inviteDate || (record.inviteDate === invite.inviteDate && record.id < invite.id))) {
      out.push(invite)
      placed = true
    }
    out.push(record)
  }
  if (!placed) out.push(invite)
  return out
}
