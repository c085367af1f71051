/**
 * What a token grants: the scopes the framework reads, and (a choice) the one instance it
 * is bound to. A leaf: the store keeps grants (static tokens) and the token service makes
 * them, neither importing the other.
 */
export interface TokenGrant {
  scope: string[]
  instanceId?: string
}
