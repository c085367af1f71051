import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'
import { hasExpired } from '../domain/expiry.js'
import { presentEnvelope, presentInvite, type ListingQuery } from '../domain/present.js'
import { OrgInviteSchema, type OrgInvite } from '../schemas/orgInvite.js'
import { OrgInviteCollectionSchema, type OrgInviteCollection } from '../schemas/orgInviteCollection.js'
import type { InviteRecord } from '../store/types.js'

/** The route's serializers (fast-json-stringify from its response schemas): the bytes Fastify would send. */
export interface CollectionSerializers {
  item: (invite: OrgInvite) => string
  collection: (collection: OrgInviteCollection) => string
}

/**
 * The serializers Fastify makes of the routes' response schemas: the same compiler, the
 * same schemas, and neither shared schemas nor options (the app sets none), so an answer
 * made here is the bytes the route would send for the presented collection.
 */
export function compileSerializers (): CollectionSerializers {
  const compile = SerializerSelector()()
  return {
    collection: compile({ schema: OrgInviteCollectionSchema, method: 'GET', url: '', httpStatus: '200' }),
    item: compile({ schema: OrgInviteSchema, method: 'GET', url: '', httpStatus: '200' })
  }
}

/** An invite's JSON as `serializeItem(presentInvite(record, now, links))` gives it, as UTF-8 bytes. */
export interface InviteJson {
  json: (record: InviteRecord, now: number, links: boolean, serializeItem: (invite: OrgInvite) => string) => Buffer
  clear: () => void
}

/** Every invite presented and serialized again each time (the ablation's variant without InviteJsonCache). */
export const freshInviteJson: InviteJson = {
  json: (record, now, links, serializeItem) => Buffer.from(serializeItem(presentInvite(record, now, links))),
  clear: () => {}
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
export class InviteJsonCache implements InviteJson {
  readonly #entries = new Map<string, JsonEntry>()
  readonly #maxEntries: number

  constructor (maxEntries = 10_000) {
    this.#maxEntries = maxEntries
  }

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
 */
export function serializeCollection (
  records: readonly InviteRecord[],
  query: ListingQuery,
  now: number,
  cache: InviteJson,
  serializers: CollectionSerializers
): Buffer {
  const { links } = query
  const envelope = serializers.collection(presentEnvelope(records.length, query))
  // Checked here rather than assumed: a schema whose first property is not `items` fails loudly in every test.
  if (!envelope.startsWith(`${ITEMS_OPEN}]`)) throw new Error('the collection schema must list `items` first')
  const tail = Buffer.from(envelope.slice(ITEMS_OPEN.length))
  const open = ITEMS_OPEN_BYTES.length
  const items = presentItems(records, now, links, cache, serializers.item)
  const out = Buffer.allocUnsafe(open + items.length + tail.length)
  out.set(ITEMS_OPEN_BYTES, 0)
  out.set(tail, joinInto(out, items.jsons, open))
  return out
}

/** Valid for `after < now <= until`: no invite's `hasExpired` differs in it. */
export interface ExpiryWindow {
  after: number
  until: number
}

/** The window around `now` in which every one of `records` shows as expired or not as it does at `now`. */
export function expiryWindow (records: readonly InviteRecord[], now: number): ExpiryWindow {
  let after = -Infinity
  let until = Infinity
  for (const record of records) {
    const expiry = record.inviteDate + record.ttl
    if (now > expiry) {
      if (expiry > after) after = expiry
    } else if (expiry < until) {
      until = expiry
    }
  }
  return { after, until }
}

/** Each record's cached JSON, and their length joined by commas. */
function presentItems (records: readonly InviteRecord[], now: number, links: boolean, cache: InviteJson, serializeItem: (invite: OrgInvite) => string): { jsons: Buffer[], length: number } {
  const jsons = new Array<Buffer>(records.length)
  let length = Math.max(0, records.length - 1)
  for (let i = 0; i < records.length; i++) {
    const json = cache.json(records[i]!, now, links, serializeItem)
    jsons[i] = json
    length += json.length
  }
  return { jsons, length }
}

/** Writes `jsons` comma-separated into `out` from `offset`; answers the offset after them. */
function joinInto (out: Buffer, jsons: readonly Buffer[], offset: number): number {
  for (let i = 0; i < jsons.length; i++) {
    if (i > 0) out[offset++] = COMMA
    out.set(jsons[i]!, offset)
    offset += jsons[i]!.length
  }
  return offset
}
