import type { TokenService } from './auth/tokens.js'
import type { Clock } from './clock.js'
import type { Snapshot } from './schemas/snapshot.js'
import { dumpToSnapshot, snapshotToDump } from './snapshot.js'
import type { InviteStore } from './store/types.js'

/**
 * The emulator's state and the operations on all of it: snapshot, restore, reset.
 * Routes reach it as `app.emulator`; `startEmulator` exposes the same operations.
 * Parts of the state that live outside the store (added by later features) register a
 * reset hook, so one reset clears everything.
 */
export class Emulator {
  readonly store: InviteStore
  readonly tokens: TokenService
  readonly clock: Clock
  readonly inviteTtlMs: number
  readonly seed: Snapshot | undefined
  readonly #resetHooks: Array<() => void> = []

  constructor (parts: { store: InviteStore, tokens: TokenService, clock: Clock, inviteTtlMs: number, seed?: Snapshot }) {
    this.store = parts.store
    this.tokens = parts.tokens
    this.clock = parts.clock
    this.inviteTtlMs = parts.inviteTtlMs
    this.seed = parts.seed
  }

  snapshot (): Required<Snapshot> {
    return dumpToSnapshot(this.store.dump())
  }

  /** Replaces the whole state with a validated snapshot, atomically. */
  restore (snapshot: Snapshot): void {
    this.store.replaceAll(snapshotToDump(snapshot, { now: this.clock.now(), inviteTtlMs: this.inviteTtlMs }))
    this.tokens.setStaticTokens(this.store.staticTokens())
  }

  /** Back to the seed (empty without one), and every registered part back to its start. */
  reset (): void {
    this.restore(this.seed ?? {})
    for (const hook of this.#resetHooks) hook()
  }

  onReset (hook: () => void): void {
    this.#resetHooks.push(hook)
  }
}
