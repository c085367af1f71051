import { timingSafeEqual } from 'node:crypto'
import type { Emulator } from './emulator.js'
import { errors } from './errors.js'
import { hasExpired } from './expiry.js'
import { newObjectId } from './ids.js'
import type { InviteRecord } from './store/types.js'

/**
 * What happens when the real service sends an invite (create, re-invite, resend): it
 * e-mails the invitee a link with the invite's token. Here the message goes to the
 * outbox, the only place the token shows (besides snapshots).
 */
export function recordInviteSent (emulator: Emulator, invite: InviteRecord): void {
  emulator.store.addOutboxMessage({
    id: newObjectId(emulator.clock.now()),
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
export function findInviteByCredentials (emulator: Emulator, email: string, token: string): InviteRecord {
  const given = Buffer.from(token)
  let found: InviteRecord | undefined
  for (const invite of emulator.store.invitesTo(email.toLowerCase())) {
    const expected = Buffer.from(invite.token)
    // Compare every candidate, so the time spent does not say which one matched.
    if (expected.length === given.length && timingSafeEqual(expected, given)) found = invite
  }
  if (found === undefined) throw errors.notFound('Invite')
  if (hasExpired(found, emulator.clock.now())) throw errors.gone('Invite has expired')
  return found
}
