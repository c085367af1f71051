import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import Fastify from 'fastify'
import { compileSerializers, freshInviteJson, InviteJsonCache, serializeCollection } from '../../src/listings/invite-json.js'
import { presentEnvelope, presentInvite, type ListingQuery } from '../../src/domain/present.js'
import { OrgInviteCollectionSchema, type OrgInviteCollection } from '../../src/schemas/orgInviteCollection.js'
import type { InviteRecord } from '../../src/store/types.js'

// A collection built from cached invite JSON, with the seam's own serializers, must be, as
// UTF-8 bytes, what the route's serializer makes of the whole presented collection,
// whatever changed between calls. The
// records are variants of one invite per id, each differing from it in one presented field
// (or none), met again as the same object (a POST reuses the last listing's records) or as
// a fresh copy (a new read), under other clocks (expiry) and both link settings; with 5 ids
// and a bound of 4 the cache also drops everything now and then.
const ID_POOL = ['5f0000000000000000000001', '5f0000000000000000000002', '5f0000000000000000000003', '5f0000000000000000000004', '5f0000000000000000000005']
function variants (id: string): InviteRecord[] {
  const base: InviteRecord = { id, instanceId: '5f00000000000000000000b1', orgId: '5f00000000000000000000c1', email: 'quote"back\\slash@x.io', role: 'view', inviteDate: 0, ttl: 1000, token: 't' }
  const roles = [{ resourceId: '5f00000000000000000000aa', role: 'view' as const }]
  return [
    base,
    { ...base, email: 'ünï@x.io' },
    { ...base, role: 'admin' },
    { ...base, inviteDate: 5000 },
    { ...base, ttl: 6000 },
    { ...base, instanceId: '5f00000000000000000000b2' },
    { ...base, orgId: '5f00000000000000000000c2' },
    { ...base, disallowTransfer: true },
    { ...base, disallowTransfer: false },
    { ...base, applicationRoles: roles },
    { ...base, applicationRoles: [{ ...roles[0]!, role: 'none' }] },
    { ...base, dashboardRoles: roles },
    { ...base, dashboardRoles: [{ ...roles[0]!, role: 'collaborate' }] }
  ]
}
const RECORDS = ID_POOL.flatMap(variants)
const recordArb = fc.tuple(fc.constantFrom(...RECORDS), fc.boolean()).map(([record, copy]) => copy ? structuredClone(record) : record)

test('a collection from cached invite JSON is the bytes of the route serializer, across changes, clocks and links', async (t) => {
  const app = Fastify()
  t.after(async () => app.close())
  const cache = new InviteJsonCache(4)
  const serializers = compileSerializers()
  let checked = 0
  const check = (serializeWhole: (body: OrgInviteCollection) => string): void => {
    fc.assert(fc.property(
      fc.array(recordArb, { maxLength: 6 }),
      fc.constantFrom(500, 2000, 7000, 12_000),
      fc.boolean(),
      fc.option(fc.constantFrom('a*', 'ünï*'), { nil: undefined }),
      (records, now, links, filter) => {
        const query: ListingQuery = { instanceId: 'i', orgId: 'o', sortField: 'email', sortDirection: 'asc', links, ...(filter === undefined ? {} : { filter: { field: 'email', pattern: filter } }) }
        const whole = Buffer.from(serializeWhole({ ...presentEnvelope(records.length, query), items: records.map((record) => presentInvite(record, now, links)) }))
        assert.deepEqual(serializeCollection(records, query, now, cache, serializers), whole)
        assert.deepEqual(serializeCollection(records, query, now, freshInviteJson, serializers), whole, 'without the cache')
        checked++
      }
    ), { numRuns: 1000 })
  }
  app.get('/', { schema: { response: { 200: OrgInviteCollectionSchema } } }, async (_request, reply) => {
    check((body) => reply.serialize(body) as string)
    return reply.type('application/json').send('{}')
  })
  assert.equal((await app.inject({ method: 'GET', url: '/' })).statusCode, 200)
  assert.equal(checked, 1000)
})
