import { hasExpired } from '../../expiry.js'
import type { OrgInvite } from '../../schemas/orgInvite.js'
import type { OrgInviteCollection } from '../../schemas/orgInviteCollection.js'
import type { InviteRecord } from '../../store/types.js'

/**
 * Store records as a client sees them: ISO dates, `hasExpired` computed at read time,
 * optional fields only when the invite has them, and the framework's `_type` and
 * `_links.self` decoration unless the request says `_links=false`.
 */
export function presentInvite (record: InviteRecord, now: number, links: boolean): OrgInvite {
  const invite: OrgInvite = {
    id: record.id,
    email: record.email,
    role: record.role,
    inviteDate: new Date(record.inviteDate).toISOString(),
    ttl: record.ttl,
    hasExpired: hasExpired(record, now)
  }
  if (record.applicationRoles !== undefined) invite.applicationRoles = record.applicationRoles
  if (record.dashboardRoles !== undefined) invite.dashboardRoles = record.dashboardRoles
  if (record.disallowTransfer !== undefined) invite.disallowTransfer = record.disallowTransfer
  invite._type = 'instanceOrgInvite'
  if (links) invite._links = { self: { href: `/instances/${record.instanceId}/orgs/${record.orgId}/invites/${record.id}` } }
  return invite
}

export interface CollectionParts {
  instanceId: string
  orgId: string
  sortField: string
  sortDirection: 'asc' | 'desc'
  filterField?: string
  filter?: string
}

/**
 * A collection as a client sees it, but with `items` left empty: the route fills them in
 * from each invite's cached JSON (src/listings/invite-json.ts).
 */
export function presentEnvelope (count: number, parts: CollectionParts, links: boolean): OrgInviteCollection {
  const collection: OrgInviteCollection = {
    items: [],
    count,
    instanceId: parts.instanceId,
    orgId: parts.orgId,
    sortField: parts.sortField,
    sortDirection: parts.sortDirection
  }
  if (parts.filterField !== undefined && parts.filter !== undefined) {
    collection.filterField = parts.filterField
    collection.filter = parts.filter
  }
  collection._type = 'instanceOrgInvites'
  if (links) collection._links = { self: { href: `/instances/${parts.instanceId}/orgs/${parts.orgId}/invites` } }
  return collection
}

/**
 * Links unless the request says `_links=false` (the client sends `_links=true` on every
 * call). Validation has let through only `true`, `false` or nothing (src/validation.ts).
 */
export function wantsLinks (query: unknown): boolean {
  return (query as { _links?: unknown })._links !== 'false'
}
