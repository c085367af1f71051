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
const ITEMS_OPEN_BYTES = Buffer.from(ITEMS_OPEN)
const COMMA = 0x2c

/**
 * Invites' JSON as UTF-8 bytes, serialized once and reused (performance, docs/PERFORMANCE.md): a POST's
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

  /** The invite's JSON as `serializeItem(presentInvite(record, now, links))` gives it, as UTF-8 bytes. */
  json (record: InviteRecord, now: number, links: boolean, serializeItem: (invite: OrgInvite) => string): Buffer {
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
      json = Buffer.from(serializeItem(presentInvite(record, now, links)))
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
  links: Buffer | undefined
  plain: Buffer | undefined
}

function showsTheSame (a: InviteRecord, b: InviteRecord): boolean {
  return a.email === b.email && a.role === b.role && a.inviteDate === b.inviteDate && a.ttl === b.ttl &&
    a.instanceId === b.instanceId && a.orgId === b.orgId && a.disallowTransfer === b.disallowTransfer &&
    a.applicationRoles === undefined && b.applicationRoles === undefined &&
    a.dashboardRoles === undefined && b.dashboardRoles === undefined
}

/**
 * A collection's JSON as UTF-8 bytes, byte for byte what `serializers.collection` gives for
 * the envelope with every invite presented in `items`, built from each invite's cached
 * JSON: only invites not seen before are presented and serialized. Bytes, not a string:
 * the pieces are copied once, into the answer Fastify sends as it is (a joined string
 * would be copied, measured and encoded again; about half the time of a 1000-invite answer).
 * The answer's bytes come from `allocate` (routes reuse large ones: answer-buffers.ts).
 */
export function serializeCollection (
  records: readonly InviteRecord[],
  parts: CollectionParts,
  now: number,
  links: boolean,
  cache: InviteJsonCache,
  serializers: CollectionSerializers,
  allocate: (length: number) => Buffer = Buffer.allocUnsafe
): Buffer {
  const envelope = serializers.collection(presentEnvelope(records.length, parts, links))
  // Checked here rather than assumed: a schema whose first property is not `items` fails loudly in every test.
  if (!envelope.startsWith(`${ITEMS_OPEN}]`)) throw new Error('the collection schema must list `items` first')
  const tail = Buffer.from(envelope.slice(ITEMS_OPEN.length))
  const items = new Array<Buffer>(records.length)
  let length = ITEMS_OPEN_BYTES.length + tail.length + Math.max(0, records.length - 1)
  for (let i = 0; i < records.length; i++) {
    const item = cache.json(records[i]!, now, links, serializers.item)
    items[i] = item
    length += item.length
  }
  const out = allocate(length)
  out.set(ITEMS_OPEN_BYTES, 0)
  let offset = ITEMS_OPEN_BYTES.length
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out[offset++] = COMMA
    out.set(items[i]!, offset)
    offset += items[i]!.length
  }
  out.set(tail, offset)
  return out
}
