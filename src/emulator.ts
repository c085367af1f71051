import type { TokenService } from './auth/tokens.js'
import type { Clock } from './clock.js'
import { hasExpired } from './domain/expiry.js'
import type { OutboxMessageBody, OutboxState } from './schemas/control.js'
import type { Snapshot } from './schemas/snapshot.js'
import { dumpToSnapshot, snapshotToDump } from './snapshot.js'
import type { InviteStore, OutboxMessage } from './store/types.js'

/**
 * The emulator's state and the operations on all of it: snapshot, restore, reset.
 * Routes reach it as `app.emulator`; `startEmulator` exposes the same operations.
 * Parts of the state that live outside the store (added by later features) register a
 * reset hook, so one reset clears everything. The listings (src/listings, built beside it
 * in src/app.ts) follow the store by themselves: every write, a restore or reset included,
 * is announced to them.
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

  /** Back to the seed (empty without one), an empty outbox, real time, and every registered part back to its start. */
  reset (): void {
    this.restore(this.seed ?? {})
    this.store.clearOutbox()
    this.clock.setOffset(0)
    for (const hook of this.#resetHooks) hook()
  }

  /**
   * Invite e-mails that would have been sent, newest first; to one address when given;
   * the newest `limit` when given. Each says what its links do now (`state`).
   */
  outbox (email?: string, limit?: number): OutboxMessageBody[] {
    const now = this.clock.now()
    return this.store.listOutbox(email?.toLowerCase(), limit).map((message) => ({
      ...message,
      sentAt: new Date(message.sentAt).toISOString(),
      state: this.#outboxState(message, now)
    }))
  }

  /** What the e-mail's links would get from /invites now (OUTBOX_STATES). */
  #outboxState (message: OutboxMessage, now: number): OutboxState {
    const invite = this.store.getInvite(message.instanceId, message.orgId, message.inviteId)
    if (invite === undefined) return this.store.getMember(message.instanceId, message.orgId, message.to) === undefined ? 'gone' : 'accepted'
    if (invite.token !== message.token) return 'replaced'
    return hasExpired(invite, now) ? 'expired' : 'pending'
  }

  clockState (): { now: string, offsetMs: number } {
    return { now: new Date(this.clock.now()).toISOString(), offsetMs: this.clock.offsetMs }
  }

  onReset (hook: () => void): void {
    this.#resetHooks.push(hook)
  }
}
