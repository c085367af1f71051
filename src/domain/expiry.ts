import type { InviteRecord } from '../store/types.js'

/** An invite has expired once the emulator's clock is past `inviteDate + ttl` (docs/API.md, invites). */
export function hasExpired (invite: Pick<InviteRecord, 'inviteDate' | 'ttl'>, now: number): boolean {
  return now > invite.inviteDate + invite.ttl
}
