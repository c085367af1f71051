import type { InviteRecord } from '../store/types.js'
import { expiryWindow } from './invite-json.js'

/** An answer made once since the last change, not kept (yet). */
const SEEN = 'seen'

/**
 * Whole answers, kept while they would be answered byte for byte the same
 * (docs/PERFORMANCE.md): a repeated listing costs a Map lookup instead of reading,
 * presenting and serializing the whole org again. An answer is kept the second time it is
 * made since the last change: a POST's answer, made once and replaced by the next POST's,
 * is never held (holding it cost a POST 10-17% more CPU in the garbage collector). Valid
 * - until the next change anywhere (the seam clears the whole cache on every change the
 *   store announces: simple, and a test loop's write-then-read always reads fresh), and
 * - while the clock is in the window where no invite's `hasExpired` differs from when it
 *   was made: `now > inviteDate + ttl` is false for every invite it showed unexpired and
 *   true for every one it showed expired (so moving the clock either way is seen).
 * Bounded by total bytes and by listings (answers kept or seen); the oldest go first.
 */
export class AnswerCache {
  readonly #entries = new Map<string, Entry | typeof SEEN>()
  readonly #maxBytes: number
  #bytes = 0

  readonly #maxListings: number

  constructor (maxBytes = 16 * 1024 * 1024, maxListings = 4096) {
    this.#maxBytes = maxBytes
    this.#maxListings = maxListings
  }

  /** The entry's answer (UTF-8 bytes, sent as they are). */
  get (key: string, now: number): Buffer | undefined {
    const entry = this.#entries.get(key)
    if (entry === undefined || entry === SEEN || !(now > entry.after && now <= entry.until)) return undefined
    return entry.json
  }

  /** `json` is the answer listing `records` at `now`: kept if it was made before since the last change. */
  set (key: string, now: number, records: readonly InviteRecord[], json: Buffer): void {
    if (!this.#entries.has(key)) {
      this.#entries.set(key, SEEN)
    } else {
      this.#delete(key)
      if (json.length > this.#maxBytes / 4) return
      this.#entries.set(key, { json, ...expiryWindow(records, now) })
      this.#bytes += json.length
    }
    for (const oldest of this.#entries.keys()) {
      if (this.#bytes <= this.#maxBytes && this.#entries.size <= this.#maxListings) break
      this.#delete(oldest)
    }
  }

  clear (): void {
    this.#entries.clear()
    this.#bytes = 0
  }

  #delete (key: string): void {
    const entry = this.#entries.get(key)
    if (entry === undefined) return
    this.#entries.delete(key)
    if (entry === SEEN) return
    this.#bytes -= entry.json.length
  }
}

interface Entry {
  json: Buffer
  /** Valid for `after < now <= until`. */
  after: number
  until: number
}
