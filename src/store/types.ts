import type { TokenGrant } from '../auth/tokens.js'
import type { CompiledGlob } from '../glob.js'
import type { FilterField, SortDirection, SortField } from '../schemas/orgInviteCollection.js'

export type OrgRole = 'admin' | 'edit' | 'collaborate' | 'view' | 'none'
export type ResourceRoleName = 'collaborate' | 'view' | 'none'

export interface ResourceRole {
  resourceId: string
  role: ResourceRoleName
}

export interface InstanceRecord {
  id: string
  name: string
}

export interface OrgRecord {
  instanceId: string
  id: string
  name: string
}

/** What an invite says about the invitee's roles: what POST and resend may change. */
export interface InviteRoles {
  role: OrgRole
  applicationRoles?: ResourceRole[]
  dashboardRoles?: ResourceRole[]
  disallowTransfer?: boolean
}

export interface InviteRecord extends InviteRoles {
  id: string
  instanceId: string
  orgId: string
  /** Lower-cased. */
  email: string
  /** Epoch milliseconds. */
  inviteDate: number
  /** Milliseconds. */
  ttl: number
  /** The invite's own secret, as the e-mail link would carry it. */
  token: string
}

export interface InviteListQuery {
  instanceId: string
  orgId: string
  sortField: SortField
  sortDirection: SortDirection
  filter?: { field: FilterField, glob: CompiledGlob }
}

/** A new invite, or the new state of the org's invite to the same email. */
export interface InviteWrite extends InviteRoles {
  /** Used only when the org has no invite to this email yet. */
  id: string
  email: string
  inviteDate: number
  ttl: number
  token: string
}

export class StoreConflictError extends Error {}

/**
 * Everything the emulator keeps. Nothing above this interface knows SQL; ids passed in
 * are already normalised (lower-case hex).
 */
export interface InviteStore {
  getInstance: (instanceId: string) => InstanceRecord | undefined
  getOrg: (instanceId: string, orgId: string) => OrgRecord | undefined
  /** Throws StoreConflictError when the id is taken. */
  createInstance: (instance: InstanceRecord) => InstanceRecord
  /** Throws StoreConflictError when the id is taken in that instance. */
  createOrg: (org: OrgRecord) => OrgRecord
  listInvites: (query: InviteListQuery) => InviteRecord[]
  /**
   * Optional (performance): a number that changes whenever anything this store answers
   * may have changed; read answers may be cached under it. A store without it is never cached.
   */
  dataVersion?: () => number
  /** Creates the invite, or replaces roles, date, ttl and token of the org's invite to the same email (keeping its id). */
  upsertInvite: (instanceId: string, orgId: string, invite: InviteWrite) => InviteRecord
  /** The HS256 key tokens are signed with; created with a new database. */
  signingKey: () => Buffer
  /** Static bearer tokens (from a seed), by token string. */
  staticTokens: () => Map<string, TokenGrant>
  close: () => void
}
