import { timingSafeEqual } from 'node:crypto'
import type { Clock } from '../clock.js'
import { errors } from '../errors.js'
import { newObjectId } from '../ids.js'
import type { InviteRecord, InviteStore } from '../store/types.js'
import { hasExpired } from './expiry.js'

/** What the invite operations read and write: the store, and the emulator's clock. */
export interface InviteWorld {
  store: InviteStore
  clock: Clock
}

/**
 * What happens when the real service sends an invite (create, re-invite, resend): it
 * e-mails the invitee a link with the invite's token. Here the message goes to the
 * outbox, the only place the token shows (besides snapshots).
 */
export function recordInviteSent (world: InviteWorld, invite: InviteRecord): void {
  world.store.addOutboxMessage({
    id: newObjectId(world.clock.now()),
    to: invite.email,
    instanceId: invite.instanceId,
    orgId: invite.orgId,
    inviteId: invite.id,
    token: invite.token,
    sentAt: invite.inviteDate,
    role: invite.role
  })
}

/**
 * The pending invite an invitee's email and token name, for /invites: 404 when none
 * matches, 410 when it has expired. Tokens are compared in constant time.
 */
export function findInviteByCredentials (world: InviteWorld, email: string, token: string): InviteRecord {
  const given = Buffer.from(token)
  let found: InviteRecord | undefined
  for (const invite of world.store.invitesTo(email.toLowerCase())) {
    const expected = Buffer.from(invite.token)
    // Compare every candidate, so the time spent does not say which one matched.
    if (expected.length === given.length && timingSafeEqual(expected, given)) found = invite
  }
  if (found === undefined) throw errors.notFound('Invite')
  if (hasExpired(found, world.clock.now())) throw errors.gone('Invite has expired')
  return found
}
