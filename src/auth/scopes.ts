/**
 * Accepted scopes per action (README.md, the Losant API's table; docs/API.md, tokens). A request is allowed when
 * one of its token's scopes is in the set: plain string match, `instanceOrgInvites.*` is a
 * scope name, not a wildcard.
 */
const INSTANCE_READ = ['all.Instance', 'all.Instance.bounded', 'all.Instance.read', 'all.User', 'all.User.bounded', 'all.User.read']
const INSTANCE_WRITE = ['all.Instance', 'all.User']

export const ACTION_SCOPES = {
  'instanceOrgInvites.get': [...INSTANCE_READ, 'instanceOrgInvites.*', 'instanceOrgInvites.get'],
  'instanceOrgInvites.post': [...INSTANCE_WRITE, 'instanceOrgInvites.*', 'instanceOrgInvites.post'],
  'instanceOrgInvite.get': [...INSTANCE_READ, 'instanceOrgInvite.*', 'instanceOrgInvite.get'],
  'instanceOrgInvite.delete': [...INSTANCE_WRITE, 'instanceOrgInvite.*', 'instanceOrgInvite.delete'],
  'instanceOrgInvite.resendInvite': [...INSTANCE_WRITE, 'instanceOrgInvite.*', 'instanceOrgInvite.resendInvite']
} as const satisfies Record<string, readonly string[]>

export type LosantAction = keyof typeof ACTION_SCOPES

export function hasAcceptedScope (tokenScopes: readonly string[], action: LosantAction): boolean {
  const accepted: readonly string[] = ACTION_SCOPES[action]
  return tokenScopes.some((scope) => accepted.includes(scope))
}
