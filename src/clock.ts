/**
 * The emulator's time: real time plus an offset a test can set, so invites and tokens
 * can be made to expire without waiting. Everything that reads "now" reads it here.
 */
export class Clock {
  #offsetMs = 0

  now (): number {
    return Date.now() + this.#offsetMs
  }

  get offsetMs (): number {
    return this.#offsetMs
  }

  setOffset (offsetMs: number): void {
    this.#offsetMs = offsetMs
  }

  /** Moves time so that `now()` reads `epochMs` at this instant. */
  setNow (epochMs: number): void {
    this.#offsetMs = epochMs - Date.now()
  }
}
