import type { ServerResponse } from 'node:http'

/**
 * Buffers for large answers, reused (performance, docs/PERFORMANCE.md). A fresh buffer of
 * a few hundred KB is memory the kernel maps and zeroes page by page (glibc serves it with
 * mmap past MALLOC_MMAP_THRESHOLD_ and unmaps it when freed), and V8 counts it towards its
 * next full GC: serializing a 414 KB listing took 0.6-0.7 ms in the server with a fresh
 * buffer each time, 0.35 ms with reused ones.
 *
 * A buffer goes back to the free list only when nothing holds it any more. Every holder
 * takes a hold and releases it: the request that made the answer, the listing cache while
 * it keeps it, each response sending it until all its bytes are with the kernel. A
 * response that never finishes (the client went away mid-answer) never releases: its
 * buffer is left to the garbage collector, never reused.
 */
export class AnswerBuffers {
  /** Holds on each buffer taken from here and not yet free, by its memory. */
  readonly #holds = new WeakMap<ArrayBufferLike, number>()
  readonly #free: Buffer[] = []
  readonly #minBytes: number
  readonly #maxFreeBytes: number
  #freeBytes = 0

  /**
   * Answers under `minBytes` are ordinary buffers (Node's own pool). Free buffers wait for
   * reuse up to `maxFreeBytes` in all; past that (after a listing of a whole big org, say)
   * they are left to the garbage collector.
   */
  constructor (minBytes = 64 * 1024, maxFreeBytes = 8 * 1024 * 1024) {
    this.#minBytes = minBytes
    this.#maxFreeBytes = maxFreeBytes
  }

  /** `length` bytes to fill (their contents are left over), held once by the caller. */
  take (length: number): Buffer {
    if (length < this.#minBytes) return Buffer.allocUnsafe(length)
    // The smallest free buffer that fits, so that a small answer does not take a big one.
    let best = -1
    for (let i = 0; i < this.#free.length; i++) {
      const size = this.#free[i]!.length
      if (size >= length && (best < 0 || size < this.#free[best]!.length)) best = i
    }
    let whole: Buffer
    if (best >= 0) {
      whole = this.#free.splice(best, 1)[0]!
      this.#freeBytes -= whole.length
    } else {
      // Room to grow by a few invites without a new buffer.
      whole = Buffer.allocUnsafeSlow(length + (length >>> 3))
    }
    this.#holds.set(whole.buffer, 1)
    return whole.subarray(0, length)
  }

  /** One more hold on `answer` (nothing, for a buffer not taken from here). */
  hold (answer: Buffer): void {
    const holds = this.#holds.get(answer.buffer)
    if (holds !== undefined) this.#holds.set(answer.buffer, holds + 1)
  }

  /** Gives up one hold on `answer`; the last one frees it for reuse. */
  release (answer: Buffer): void {
    const holds = this.#holds.get(answer.buffer)
    if (holds === undefined) return
    if (holds > 1) {
      this.#holds.set(answer.buffer, holds - 1)
      return
    }
    this.#holds.delete(answer.buffer)
    const size = answer.buffer.byteLength
    if (this.#freeBytes + size <= this.#maxFreeBytes) {
      this.#free.push(Buffer.from(answer.buffer, 0, size))
      this.#freeBytes += size
    }
  }

  /**
   * Holds `answer` while `response` sends it. 'finish' means the last write completed:
   * every byte is with the kernel, nothing reads the buffer any more.
   */
  holdWhileSending (answer: Buffer, response: ServerResponse): void {
    if (!this.#holds.has(answer.buffer)) return
    this.hold(answer)
    response.once('finish', () => this.release(answer))
  }

  /** How many buffers wait for reuse (tests). */
  get freeCount (): number {
    return this.#free.length
  }
}
