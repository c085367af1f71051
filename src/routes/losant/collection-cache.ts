import type { InviteRecord } from '../../store/types.js'

/**
 * Serialized invite collections, kept while they would be answered byte for byte the
 * same (docs/PERFORMANCE.md): a repeated listing costs a Map lookup instead of reading,
 * presenting and serializing the whole org again. An entry is valid while
 * - the store's dataVersion() is the one it was made under (any write anywhere clears
 *   the whole cache: simple, and a test loop's write-then-read always reads fresh), and
 * - the clock is in the window where no invite's `hasExpired` differs from when it was
 *   made: `now > inviteDate + ttl` is false for every invite it showed unexpired and true
 *   for every one it showed expired (so moving the clock either way is seen).
 * Bounded by total bytes; the oldest entries go first.
 *
 * An entry may also keep the records it was made from (`keepRecords`): a write that
 * changes one invite patches them (see `records`) instead of reading the org again.
 */
export class CollectionCache {
  readonly #entries = new Map<string, Entry>()
  readonly #maxBytes: number
  #bytes = 0
  #version = -1

  constructor (maxBytes = 16 * 1024 * 1024) {
    this.#maxBytes = maxBytes
  }

  /** The entry's answer as UTF-8 bytes (encoded on its first hit, then sent as they are). */
  get (key: string, version: number, now: number): Buffer | undefined {
    if (version !== this.#version) {
      this.#clear(version)
      return undefined
    }
    const entry = this.#entries.get(key)
    if (entry === undefined || !(now > entry.after && now <= entry.until)) return undefined
    return (entry.bytes ??= Buffer.from(entry.json))
  }

  /**
   * The records an entry made under `version` was made from, when it kept them (whatever
   * the clock: records do not depend on it), or undefined.
   */
  records (key: string, version: number): readonly InviteRecord[] | undefined {
    if (version !== this.#version) return undefined
    return this.#entries.get(key)?.records
  }

  /**
   * Keeps `json`. Its size is counted as twice its length: the string, and the bytes a
   * hit encodes once (a POST's answer is often replaced by the next POST before any GET).
   */
  set (key: string, version: number, now: number, records: readonly InviteRecord[], json: string, keepRecords = false): void {
    if (version !== this.#version) this.#clear(version)
    const size = 2 * json.length
    if (size > this.#maxBytes / 4) return
    let after = -Infinity
    let until = Infinity
    for (const record of records) {
      const expiry = record.inviteDate + record.ttl
      if (now > expiry) {
        if (expiry > after) after = expiry
      } else if (expiry < until) {
        until = expiry
      }
    }
    const previous = this.#entries.get(key)
    if (previous !== undefined) {
      this.#bytes -= previous.size
      this.#entries.delete(key)
    }
    this.#entries.set(key, { json, bytes: undefined, size, after, until, records: keepRecords ? records : undefined })
    this.#bytes += size
    for (const [oldest, entry] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) break
      this.#entries.delete(oldest)
      this.#bytes -= entry.size
    }
  }

  #clear (version: number): void {
    this.#entries.clear()
    this.#bytes = 0
    this.#version = version
  }
}

interface Entry {
  json: string
  bytes: Buffer | undefined
  /** What it counts for against the bound. */
  size: number
  /** Valid for `after < now <= until`. */
  after: number
  until: number
  records: readonly InviteRecord[] | undefined
}

/**
 * An org's records in the default order (inviteDate descending, then id descending, as the
 * store lists them) after `invite` was created or replaced: the same list the store would
 * read back, without reading it.
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
