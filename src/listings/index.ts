import { requireOrg } from '../domain/lookup.js'
import type { ListingQuery } from '../domain/present.js'
import { errors } from '../errors.js'
import { compileGlob, GlobTooComplexError } from '../glob.js'
import type { ChangeVersions, InviteListQuery, InviteRecord, InviteStore, StoreChange } from '../store/types.js'
import { AnswerCache } from './answer-cache.js'
import { compileSerializers, freshInviteJson, InviteJsonCache, serializeCollection, type CollectionSerializers, type InviteJson } from './invite-json.js'
import { inDefaultOrder, listFromRecords, OrgRecordsCache } from './org-records.js'

/**
 * The mechanisms that make listings fast, each on unless set to false. Only the
 * benchmark's ablation turns them off (bench/variants.mjs, through buildApp).
 */
export interface ListingsOptions {
  /** Whole answers kept until the next change (AnswerCache). */
  answerCache?: boolean
  /** Each org's records kept until its invites change (OrgRecordsCache). */
  orgRecords?: boolean
  /** Each invite's JSON kept (InviteJsonCache). */
  inviteJson?: boolean
}

/**
 * The listing seam: the answer's bytes for a listing at a time, and what invalidates them.
 * Everything that makes GET and POST .../invites fast lives behind it (docs/PERFORMANCE.md,
 * "The listing seam"); routes only ask for an answer.
 *
 * What invalidates: the store announces every committed change (StoreChange) to
 * `changed()`, one path for every write, whoever makes it (the Losant routes, the control
 * plane, a restore, a reset). The safety net behind it is the store's data version, which
 * moves with every write, announced or not: the seam keeps the version it has accounted
 * for, and
 * - every answer first compares the store's current version with it (a write nobody
 *   announced since: everything is dropped), and
 * - every announced change comes with the version just before the write began: when that
 *   is not the one accounted for, a write in between went unannounced, and everything is
 *   dropped before the change is applied. Only then does the version after the change
 *   become the one accounted for, so no later write, announced or not, can absorb a
 *   missed one.
 * A missed announcement costs speed, never a stale answer. That version counts the writes
 * of this process's connection only, which is all of them: the store holds its database
 * file for one owner. The clock announces nothing: every kept answer carries the window
 * of time in which no invite's `hasExpired` differs, and is checked against it; every
 * kept invite's JSON, the `hasExpired` it was made with; kept records hold no time.
 */
export class Listings {
  readonly #store: InviteStore
  readonly #answers: AnswerCache | undefined
  readonly #orgRecords: OrgRecordsCache | undefined
  readonly #inviteJson: InviteJson
  #serializers: CollectionSerializers | undefined
  /** The store's data version every kept answer and record accounts for. */
  #seenVersion: number

  constructor (store: InviteStore, options: ListingsOptions = {}) {
    this.#store = store
    this.#answers = options.answerCache === false ? undefined : new AnswerCache()
    this.#orgRecords = options.orgRecords === false ? undefined : new OrgRecordsCache()
    this.#inviteJson = options.inviteJson === false ? freshInviteJson : new InviteJsonCache()
    this.#seenVersion = store.dataVersion()
    store.onChange((change, versions) => this.changed(change, versions))
  }

  /**
   * The answer to `query` at `now`: the collection's JSON as UTF-8 bytes, as the route's
   * response schema serializes it. Throws what the route answers instead, in the order of
   * checks: 404 Instance, 404 Organization, then 400 for a filter past the glob's budget.
   */
  collection (query: ListingQuery, now: number): Buffer {
    if (this.#store.dataVersion() !== this.#seenVersion) this.#forgetAll()
    const key = listingKey(query)
    const kept = this.#answers?.get(key, now)
    if (kept !== undefined) return kept
    const records = this.#records(query)
    const serializers = this.#serializers ??= compileSerializers()
    const json = serializeCollection(records, query, now, this.#inviteJson, serializers)
    this.#answers?.set(key, now, records, json)
    return json
  }

  /**
   * One page of a listing, for the web UI (GET /_emulator/instances/{instanceId}/orgs/{orgId}/invites):
   * the records at `offset` (at most `limit`) in the listing's order, and how many match in
   * all. The same records, order and filter as `collection`, the same errors.
   */
  page (query: Omit<ListingQuery, 'links'>, offset: number, limit: number): { total: number, records: readonly InviteRecord[] } {
    if (this.#store.dataVersion() !== this.#seenVersion) this.#forgetAll()
    const { instanceId, orgId, sortField, sortDirection, filter } = query
    const orgRecords = this.#orgRecords?.get(instanceId, orgId)
    if (orgRecords === undefined) {
      // Not kept (an org too large to keep, or not listed yet): the store sorts the org's
      // invites keeping only the first offset + limit, and counts the matches.
      requireOrg(this.#store, instanceId, orgId)
      const listQuery: InviteListQuery = { instanceId, orgId, sortField, sortDirection }
      if (filter !== undefined) listQuery.filter = { field: filter.field, glob: compileFilter(filter.pattern) }
      return this.#store.pageInvites(listQuery, offset, limit)
    }
    const records = this.#records(query)
    return { total: records.length, records: records.slice(offset, offset + limit) }
  }

  /** The listing's records: from the org's kept records, or read from the store (and kept when the whole org was read). */
  #records (query: Omit<ListingQuery, 'links'>): readonly InviteRecord[] {
    const { instanceId, orgId, sortField, sortDirection, filter } = query
    const orgRecords = this.#orgRecords?.get(instanceId, orgId)
    // Kept records mean the org exists (its deletion would have dropped them).
    if (orgRecords === undefined) requireOrg(this.#store, instanceId, orgId)
    const listQuery: InviteListQuery = { instanceId, orgId, sortField, sortDirection }
    if (filter !== undefined) listQuery.filter = { field: filter.field, glob: compileFilter(filter.pattern) }
    if (orgRecords !== undefined) return listFromRecords(orgRecords, listQuery)
    const records = this.#store.listInvites(listQuery)
    // A whole org read from the store is kept for the next listings.
    if (filter === undefined) this.#orgRecords?.set(instanceId, orgId, sortField === 'inviteDate' && sortDirection === 'desc' ? records : inDefaultOrder(records))
    return records
  }

  /** What a committed write changed, and the data versions around it (the store calls this for every one). */
  changed (change: StoreChange, versions: ChangeVersions): void {
    this.#answers?.clear()
    const { invites } = change
    // A write the store did not announce came before this one: nothing kept can be trusted.
    if (invites === 'any' || versions.before !== this.#seenVersion) this.#forgetAll()
    else if (invites !== 'none') this.#orgRecords?.changed(invites.instanceId, invites.orgId, invites.written)
    this.#seenVersion = versions.after
  }

  #forgetAll (): void {
    this.#answers?.clear()
    this.#orgRecords?.clear()
    this.#inviteJson.clear()
    this.#seenVersion = this.#store.dataVersion()
  }
}

/** A listing's cache key: everything its answer depends on but the data and the clock. */
function listingKey (query: ListingQuery): string {
  const { filter } = query
  // The filter comes last: it is the only part that may hold the separator.
  return `${query.links ? 'L' : 'N'}|${query.instanceId}|${query.orgId}|${query.sortField}|${query.sortDirection}|${filter === undefined ? '' : `${filter.field}|${filter.pattern}`}`
}

function compileFilter (pattern: string): ReturnType<typeof compileGlob> {
  try {
    return compileGlob(pattern)
  } catch (error) {
    if (error instanceof GlobTooComplexError) throw errors.validation(`filter has ${error.message}`)
    throw error
  }
}
