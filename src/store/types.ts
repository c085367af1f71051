import type { TokenGrant } from '../auth/grant.js'
import type { StorageFailure } from '../errors.js'
import type { CompiledGlob } from '../glob.js'
import type { FilterField, SortDirection, SortField } from '../schemas/orgInviteCollection.js'

export type OrgRole = 'admin' | 'edit' | 'collaborate' | 'view' | 'none'
type ResourceRoleName = 'collaborate' | 'view' | 'none'

interface ResourceRole {
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
interface InviteRoles {
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

/** Someone who accepted an invite. */
export interface MemberRecord {
  instanceId: string
  orgId: string
  email: string
  role: OrgRole
}

/** A bearer token declared in a seed or snapshot: accepted as it is, with its scopes. */
interface StaticTokenRecord extends TokenGrant {
  token: string
}

/** An e-mail the real service would have sent for an invite. */
export interface OutboxMessage {
  id: string
  /** Lower-cased. */
  to: string
  instanceId: string
  orgId: string
  inviteId: string
  token: string
  /** Epoch milliseconds. */
  sentAt: number
  /** The role it offered; absent in e-mails recorded before the emulator kept it. */
  role?: OrgRole
}

/** An outbox message as listed: with its org's name while the org exists. */
export interface OutboxListing extends OutboxMessage {
  orgName?: string
}

/** How many invites and members an org has. */
export interface OrgCounts {
  instanceId: string
  orgId: string
  /** Pending invites. */
  invites: number
  members: number
}

/** What a resend changes: roles given replace the invite's; the rest restarts. */
export interface InviteResend extends Partial<Pick<InviteRoles, 'role' | 'applicationRoles' | 'dashboardRoles'>> {
  inviteDate: number
  ttl: number
  token: string
}

/** Everything the store holds, flat, in insertion order: what snapshots are made from. */
export interface StoreDump {
  instances: InstanceRecord[]
  orgs: OrgRecord[]
  invites: InviteRecord[]
  members: MemberRecord[]
  tokens: StaticTokenRecord[]
}

/** How many of each thing the store holds. */
export interface StoreCounts {
  instances: number
  orgs: number
  /** Pending invites, in every org. */
  invites: number
  outbox: number
}

export class StoreConflictError extends Error {}

/** A write refused because the database file was deleted or replaced under the store (nothing was written). */
export class StoreFileLostError extends Error {
  readonly file: string
  readonly change: 'deleted' | 'replaced'

  constructor (file: string, change: 'deleted' | 'replaced') {
    super(`database file ${file} was ${change} while the emulator was running`)
    this.file = file
    this.change = change
  }
}

/** A write into an org that does not exist (nothing was written). */
export class StoreMissingOrgError extends Error {}

/**
 * What one committed write changed, as the store announces it (onChange): the invites of
 * one org, with `written`, the invite as an upsert or a resend left it, when that was the
 * whole change; the invites of no org (a new instance or org, the outbox, settings); or
 * of any org (a snapshot restored, an instance deleted).
 */
export interface StoreChange {
  invites: { instanceId: string, orgId: string, written?: InviteRecord } | 'none' | 'any'
}

/**
 * The store's data version (dataVersion()) just before an announced change was made, and
 * just after. A listener that last saw a version other than `before` missed a write.
 */
export interface ChangeVersions {
  before: number
  after: number
}

/**
 * Everything the emulator keeps. Nothing above this interface knows SQL; ids passed in
 * are already normalised (lower-case hex).
 */
export interface InviteStore {
  /** True when this open created the database (so a seed applies). */
  readonly isNew: boolean
  /** Where the data lives: the SQLite file as given, or ':memory:'. */
  readonly location: string
  counts: () => StoreCounts
  /** Every org's counts of invites and members, in the orgs' creation order. */
  countsByOrg: () => OrgCounts[]
  listInstances: () => InstanceRecord[]
  /** Every org, or an instance's. */
  listOrgs: (instanceId?: string) => OrgRecord[]
  /** Removes the instance with its orgs, invites and members; false when there was none. */
  deleteInstance: (instanceId: string) => boolean
  /** Removes the org with its invites and members; false when there was none. */
  deleteOrg: (instanceId: string, orgId: string) => boolean
  dump: () => StoreDump
  /** Replaces everything but the signing key, atomically: on any error nothing changes (StoreConflictError for duplicates). */
  replaceAll: (dump: StoreDump) => void
  getInstance: (instanceId: string) => InstanceRecord | undefined
  getOrg: (instanceId: string, orgId: string) => OrgRecord | undefined
  /** Throws StoreConflictError when the id is taken. */
  createInstance: (instance: InstanceRecord) => InstanceRecord
  /** Throws StoreConflictError when the id is taken in that instance. */
  createOrg: (org: OrgRecord) => OrgRecord
  listInvites: (query: InviteListQuery) => InviteRecord[]
  /** The same listing's records from `offset`, at most `limit`, and how many match in all. */
  pageInvites: (query: InviteListQuery, offset: number, limit: number) => { total: number, records: InviteRecord[] }
  /**
   * A number that changes whenever anything this store answers may have changed: every
   * write, announced or not (src/listings checks that it was told of each one).
   */
  dataVersion: () => number
  /**
   * Calls `listener` after each change is committed, with what it changed and the data
   * versions around it (src/listings keeps derived answers by it).
   */
  onChange: (listener: (change: StoreChange, versions: ChangeVersions) => void) => void
  /**
   * Creates the invite, or replaces roles, date, ttl and token of the org's invite to the
   * same email (keeping its id). Throws StoreMissingOrgError when there is no such org.
   */
  upsertInvite: (instanceId: string, orgId: string, invite: InviteWrite) => InviteRecord
  getInvite: (instanceId: string, orgId: string, inviteId: string) => InviteRecord | undefined
  /** False when there was no such invite. */
  deleteInvite: (instanceId: string, orgId: string, inviteId: string) => boolean
  /** The updated invite, or undefined when there was none. */
  resendInvite: (instanceId: string, orgId: string, inviteId: string, resend: InviteResend) => InviteRecord | undefined
  /** Every pending invite to an email (lower-cased), in any org. */
  invitesTo: (email: string) => InviteRecord[]
  /**
   * Removes the invite and, when `member` is given, makes it a member of the invite's org
   * (replacing the role of an existing member), in one transaction. False when the invite
   * was already gone.
   */
  consumeInvite: (inviteId: string, member?: MemberRecord) => boolean
  addOutboxMessage: (message: OutboxMessage) => void
  /** The org's members (accepted invites), by email. */
  listMembers: (instanceId: string, orgId: string) => MemberRecord[]
  /** The org's member with this email (lower-cased), if any. */
  getMember: (instanceId: string, orgId: string, email: string) => MemberRecord | undefined
  /** Runs `fn` in one transaction: every write it makes commits, or none does (it throws). */
  transaction: <T>(fn: () => T) => T
  /** Newest first; only to `email` (lower-cased) when given; the newest `limit` when given. */
  listOutbox: (email?: string, limit?: number) => OutboxListing[]
  clearOutbox: () => void
  /** The HS256 key tokens are signed with; created with a new database. */
  signingKey: () => Buffer
  /** Static bearer tokens (from a seed), by token string. */
  staticTokens: () => Map<string, TokenGrant>
  /**
   * The storage failure an error this store threw is, or undefined for any other error.
   * A write refused for lack of space is remembered: storageProblem() answers it until a
   * write succeeds.
   */
  recordFailure: (error: unknown) => StorageFailure | undefined
  /**
   * What keeps writes from being saved now, or undefined: the database file deleted or
   * replaced (looked at now; for good), or the last write's failure for lack of space while
   * no write has succeeded since.
   */
  storageProblem: () => StorageFailure | undefined
  /** Calls `listener` once, when the store finds its database file deleted or replaced. */
  onFileLost: (listener: (failure: StorageFailure) => void) => void
  close: () => void
}
