import type { OrgInvite } from '../schemas/orgInvite.js'
import type { FilterField, OrgInviteCollection, SortDirection, SortField } from '../schemas/orgInviteCollection.js'
import type { InviteRecord } from '../store/types.js'
import { hasExpired } from './expiry.js'

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

/**
 * A listing as the route has checked it: what its answer depends on, but the data and the
 * clock. The one shape from the route to the listings (src/listings), which present it;
 * the store gets its own (InviteListQuery, src/store/types.ts), which differs on purpose:
 * the filter compiled once into a glob (its budget error raised before the store reads)
 * and no `links` (the store knows nothing of presentation).
 */
export interface ListingQuery {
  instanceId: string
  orgId: string
  sortField: SortField
  sortDirection: SortDirection
  /** A filter that is not blank, as given. */
  filter?: { field: FilterField, pattern: string }
  /** The framework's `_type`/`_links` decoration: every request but `_links=false`. */
  links: boolean
}

/**
 * A collection as a client sees it, but with `items` left empty: the listings fill them in
 * from each invite's cached JSON (src/listings/invite-json.ts).
 */
export function presentEnvelope (count: number, query: ListingQuery): OrgInviteCollection {
  const collection: OrgInviteCollection = {
    items: [],
    count,
    instanceId: query.instanceId,
    orgId: query.orgId,
    sortField: query.sortField,
    sortDirection: query.sortDirection
  }
  if (query.filter !== undefined) {
    collection.filterField = query.filter.field
    collection.filter = query.filter.pattern
  }
  collection._type = 'instanceOrgInvites'
  if (query.links) collection._links = { self: { href: `/instances/${query.instanceId}/orgs/${query.orgId}/invites` } }
  return collection
}

/**
 * Links unless the request says `_links=false` (the client sends `_links=true` on every
 * call). Validation has let through only `true`, `false` or nothing (src/validation.ts).
 */
export function wantsLinks (query: unknown): boolean {
  return (query as { _links?: unknown })._links !== 'false'
}
