import { hasExpired } from '../../invites.js'
import type { OrgInvite } from '../../schemas/orgInvite.js'
import type { OrgInviteCollection } from '../../schemas/orgInviteCollection.js'
import type { InviteRecord } from '../../store/types.js'
import { presentEnvelope, presentInvite, type CollectionParts } from './present.js'

/** The route's own serializers (fast-json-stringify from the response schemas): the bytes Fastify would send. */
export interface CollectionSerializers {
  item: (invite: OrgInvite) => string
  collection: (collection: OrgInviteCollection) => string
}

/** `items` is the collection schema's first property, so its JSON opens with this. */
const ITEMS_OPEN = '{"items":['

/**
 * Invites' JSON, serialized once and reused (performance, docs/PERFORMANCE.md): a POST's
 * answer is the org's listing with one invite changed, and a listing read again after an
 * unrelated write shows the same invites. Kept by invite id; an entry is reused for the
 * same record object, or for a record that shows the same (every presented field equal),
 * while `hasExpired` is unchanged. Records with application or dashboard roles are
 * compared by object only (their roles are fresh arrays on every read). Bounded: at
 * `maxEntries` the whole map is dropped.
 */
export class InviteJsonCache {
  readonly #entries = new Map<string, JsonEntry>()
  readonly #maxEntries: number

  constructor (maxEntries = 10_000) {
    this.#maxEntries = maxEntries
  }

  /** The invite's JSON as `serializeItem(presentInvite(record, now, links))` gives it. */
  json (record: InviteRecord, now: number, links: boolean, serializeItem: (invite: OrgInvite) => string): string {
    const expired = hasExpired(record, now)
    let entry = this.#entries.get(record.id)
    if (entry === undefined || !(entry.record === record || showsTheSame(entry.record, record)) || entry.expired !== expired) {
      if (entry === undefined && this.#entries.size >= this.#maxEntries) this.#entries.clear()
      entry = { record, expired, links: undefined, plain: undefined }
      this.#entries.set(record.id, entry)
    } else {
      entry.record = record
    }
    let json = links ? entry.links : entry.plain
    if (json === undefined) {
      json = serializeItem(presentInvite(record, now, links))
      if (links) entry.links = json
      else entry.plain = json
    }
    return json
  }

  clear (): void {
    this.#entries.clear()
  }
}

interface JsonEntry {
  record: InviteRecord
  expired: boolean
  links: string | undefined
  plain: string | undefined
}

function showsTheSame (a: InviteRecord, b: InviteRecord): boolean {
  return a.email === b.email && a.role === b.role && a.inviteDate === b.inviteDate && a.ttl === b.ttl &&
    a.instanceId === b.instanceId && a.orgId === b.orgId && a.disallowTransfer === b.disallowTransfer &&
    a.applicationRoles === undefined && b.applicationRoles === undefined &&
    a.dashboardRoles === undefined && b.dashboardRoles === undefined
}

/**
 * A collection's JSON, byte for byte what `serializers.collection` gives for the envelope
 * with every invite presented in `items`, built from each invite's cached JSON: only
 * invites not seen before are presented and serialized.
 */
export function serializeCollection (
  records: readonly InviteRecord[],
  parts: CollectionParts,
  now: number,
  links: boolean,
  cache: InviteJsonCache,
  serializers: CollectionSerializers
): string {
  const envelope = serializers.collection(presentEnvelope(records.length, parts, links))
  // Checked here rather than assumed: a schema whose first property is not `items` fails loudly in every test.
  if (!envelope.startsWith(`${ITEMS_OPEN}]`)) throw new Error('the collection schema must list `items` first')
  const items = new Array<string>(records.length)
  for (let i = 0; i < records.length; i++) items[i] = cache.json(records[i]!, now, links, serializers.item)
  return ITEMS_OPEN + items.join(',') + envelope.slice(ITEMS_OPEN.length)
}
