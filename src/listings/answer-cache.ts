import type { InviteRecord } from '../store/types.js'
import type { AnswerBuffers } from './answer-buffers.js'
import { expiryWindow } from './invite-json.js'

/**
 * Whole answers, kept while they would be answered byte for byte the same
 * (docs/PERFORMANCE.md): a repeated listing costs a Map lookup instead of reading,
 * presenting and serializing the whole org again. An entry is valid
 * - until the next change anywhere (the seam clears the whole cache on every change the
 *   store announces: simple, and a test loop's write-then-read always reads fresh), and
 * - while the clock is in the window where no invite's `hasExpired` differs from when it
 *   was made: `now > inviteDate + ttl` is false for every invite it showed unexpired and
 *   true for every one it showed expired (so moving the clock either way is seen).
 * Bounded by total bytes; the oldest entries go first. An answer taken from `answers` is
 * held while kept (it is reused once nothing holds it).
 */
export class AnswerCache {
  readonly #entries = new Map<string, Entry>()
  readonly #maxBytes: number
  readonly #answers: AnswerBuffers | undefined
  #bytes = 0

  constructor (maxBytes = 16 * 1024 * 1024, answers?: AnswerBuffers) {
    this.#maxBytes = maxBytes
    this.#answers = answers
  }

  /** The entry's answer (UTF-8 bytes, sent as they are). */
  get (key: string, now: number): Buffer | undefined {
    const entry = this.#entries.get(key)
    if (entry === undefined || !(now > entry.after && now <= entry.until)) return undefined
    return entry.json
  }

  /** Keeps `json`, the answer listing `records` at `now`. */
  set (key: string, now: number, records: readonly InviteRecord[], json: Buffer): void {
    if (json.length > this.#maxBytes / 4) return
    this.#delete(key)
    this.#answers?.hold(json)
    this.#entries.set(key, { json, ...expiryWindow(records, now) })
    this.#bytes += json.length
    for (const oldest of this.#entries.keys()) {
      if (this.#bytes <= this.#maxBytes) break
      this.#delete(oldest)
    }
  }

  clear (): void {
    if (this.#entries.size === 0) return
    if (this.#answers !== undefined) for (const entry of this.#entries.values()) this.#answers.release(entry.json)
    this.#entries.clear()
    this.#bytes = 0
  }

  #delete (key: string): void {
    const entry = this.#entries.get(key)
    if (entry === undefined) return
    this.#entries.delete(key)
    this.#bytes -= entry.json.length
    this.#answers?.release(entry.json)
  }
}

interface Entry {
  json: Buffer
  /** Valid for `after < now <= until`. */
  after: number
  until: number
}
