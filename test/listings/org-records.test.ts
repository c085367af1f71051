import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { Clock } from '../../src/clock.js'
import type { Emulator } from '../../src/emulator.js'
import { compileGlob } from '../../src/glob.js'
import { compareUtf8, inDefaultOrder, listFromRecords, OrgRecordsCache, withUpsertedInvite } from '../../src/listings/org-records.js'
import { SqliteInviteStore } from '../../src/store/sqlite.js'
import type { InviteListQuery, InviteRecord, OrgRole } from '../../src/store/types.js'
import { buildWorld, expectStatus, postInvite } from '../helper.js'

const I = 'aaaaaaaaaaaaaaaaaaaaaaaa'
const O = 'bbbbbbbbbbbbbbbbbbbbbbbb'
const ROLES: OrgRole[] = ['admin', 'edit', 'collaborate', 'view', 'none']
// Characters on both sides of SQLite's byte order and UTF-16's disagreement: ASCII, Latin,
// U+E000-U+FFFF (three UTF-8 bytes) and characters past U+FFFF (surrogate pairs, four bytes).
const CHARS = ['a', 'b', 'z', '4', '2', '.', '@', 'é', '\uE000', '\uFF21', '😀', '𝒜']
const textArb = fc.array(fc.constantFrom(...CHARS), { minLength: 1, maxLength: 6 }).map((chars) => chars.join(''))
const patternArb = fc.array(fc.constantFrom(...CHARS, '*', '?', '*', '[a-b]', '{a,😀}'), { minLength: 1, maxLength: 5 }).map((parts) => parts.join(''))
const queryArb = fc.record({
  sortField: fc.constantFrom('email' as const, 'role' as const, 'inviteDate' as const),
  sortDirection: fc.constantFrom('asc' as const, 'desc' as const),
  filter: fc.option(fc.tuple(fc.constantFrom('email' as const, 'role' as const), fc.oneof(patternArb, fc.constantFrom('*', 'a*', 'ad*', '*e*', 'view', '{edit,none}', '{*a*a*,*z*z*,*4*2*}', '{*2*,*a*b*,*😀*😀*}')))),
  links: fc.boolean()
})

describe('org records', () => {
  test('compareUtf8 orders strings as their UTF-8 bytes do', () => {
    fc.assert(fc.property(textArb, textArb, (a, b) => {
      assert.equal(Math.sign(compareUtf8(a, b)), Buffer.compare(Buffer.from(a), Buffer.from(b)))
    }), { numRuns: 2000 })
  })

  test('a listing from the kept records is what the store reads, for every filter and order', (t) => {
    const store = new SqliteInviteStore(':memory:')
    t.after(() => store.close())
    store.createInstance({ id: I, name: 'i' })
    let org = 0
    fc.assert(fc.property(
      fc.uniqueArray(fc.record({ email: textArb.map((text) => text.toLowerCase()), role: fc.constantFrom(...ROLES), inviteDate: fc.integer({ min: 0, max: 3 }) }), { selector: (invite) => invite.email, maxLength: 12 }),
      fc.array(queryArb, { minLength: 1, maxLength: 4 }),
      (invites, queries) => {
        const orgId = (++org).toString(16).padStart(24, '0')
        store.createOrg({ instanceId: I, id: orgId, name: 'o' })
        // Emails lower-cased, as the store keeps them. Equal dates on purpose: the id breaks the tie; ids in a random order to the dates.
        invites.forEach((invite, n) => store.upsertInvite(I, orgId, { ...invite, id: `${org * 1000 + (n * 7919) % 101}`.padStart(24, '0'), ttl: 1, token: `t${n}` }))
        const kept = store.listInvites({ instanceId: I, orgId, sortField: 'inviteDate', sortDirection: 'desc' })
        assert.deepEqual(inDefaultOrder([...kept].reverse()), kept)
        for (const { sortField, sortDirection, filter } of queries) {
          const query: InviteListQuery = { instanceId: I, orgId, sortField, sortDirection }
          if (filter !== null) query.filter = { field: filter[0], glob: compileGlob(filter[1]) }
          assert.deepEqual(listFromRecords(kept, query), store.listInvites(query), JSON.stringify({ sortField, sortDirection, filter }))
        }
      }
    ), { numRuns: 300 })
  })

  test('a re-invite or a new invite patched in is what the store reads back', (t) => {
    const store = new SqliteInviteStore(':memory:')
    t.after(() => store.close())
    store.createInstance({ id: I, name: 'i' })
    store.createOrg({ instanceId: I, id: O, name: 'o' })
    const read = (): InviteRecord[] => store.listInvites({ instanceId: I, orgId: O, sortField: 'inviteDate', sortDirection: 'desc' })
    let records = read()
    let written = 0
    fc.assert(fc.property(fc.constantFrom('a@x.io', 'b@x.io', 'c@x.io', 'd@x.io'), fc.integer({ min: 0, max: 3 }), (email, inviteDate) => {
      // Unique ids, in an order unrelated to the dates'.
      const id = ((++written * 7919) % 0x10000).toString(16).padStart(24, '0')
      const invite = store.upsertInvite(I, O, { id, email, role: 'view', inviteDate, ttl: 1, token: 't' })
      records = withUpsertedInvite(records, invite)
      assert.deepEqual(records, read())
    }), { numRuns: 300 })
  })

  test('the cache patches an org\'s records with the invite written, drops them on any other change, within its bounds', () => {
    const record = (i: number, orgId = O): InviteRecord => ({ id: String(i).padStart(24, '0'), instanceId: I, orgId, email: `${i}@x.io`, role: 'view', inviteDate: i, ttl: 1, token: 't' })
    const records = (n: number, orgId = O): InviteRecord[] => Array.from({ length: n }, (_, i) => record(n - i, orgId))
    const cache = new OrgRecordsCache(10, 6)
    cache.set(I, 'o1', records(3, 'o1'))
    cache.changed(I, 'o1', record(9, 'o1'))
    assert.deepEqual(cache.get(I, 'o1')?.map((r) => r.inviteDate), [9, 3, 2, 1], 'the written invite patched in, in the default order')
    cache.changed(I, 'o1', { ...record(2, 'o1'), inviteDate: 10 })
    assert.deepEqual(cache.get(I, 'o1')?.map((r) => r.inviteDate), [10, 9, 3, 1], 'a resend moves its invite')
    cache.changed(I, 'o2', record(5, 'o2'))
    assert.equal(cache.get(I, 'o2'), undefined, 'an org not kept is not made up from one invite')
    cache.changed(I, 'o1')
    assert.equal(cache.get(I, 'o1'), undefined, 'any other change drops the org')
    cache.set(I, 'o1', records(4))
    cache.set(I, 'o2', records(4))
    cache.set(I, 'o3', records(7))
    assert.equal(cache.get(I, 'o3'), undefined, 'more than an org may have')
    assert.equal(cache.get(I, 'o1')?.length, 4)
    cache.set(I, 'o3', records(5))
    assert.equal(cache.get(I, 'o2'), undefined, 'o2 was used longest ago')
    assert.equal(cache.get(I, 'o1')?.length, 4)
    assert.equal(cache.get(I, 'o3')?.length, 5)
    cache.changed(I, 'o1', record(20))
    assert.equal(cache.get(I, 'o3')?.length, 5)
    assert.equal(cache.get(I, 'o1')?.length, 5, 'patched within the bounds: 10 records in all')
    cache.changed(I, 'o3', record(21))
    assert.equal(cache.get(I, 'o1'), undefined, 'patched past the bounds: the org used longest ago goes')
    cache.clear()
    assert.equal(cache.get(I, 'o3'), undefined)
  })
})

describe('org records through the routes', () => {
  // Whatever happened before, every listing answers what the store reads now: random
  // writes through the API and the control plane, between random listings.
  test('every listing after any sequence of writes is what the store holds', async (t) => {
    const clock = new Clock()
    const world = await buildWorld(t, { clock })
    const emulator = (world.app as unknown as { emulator: Emulator }).emulator
    const otherOrg = expectStatus(await world.app.inject({ method: 'POST', url: `/_emulator/instances/${world.instanceId}/orgs`, payload: {} }), 201).json().id as string
    const emails = ['a@x.io', 'b@x.io', 'c@y.io', 'd@y.io']
    const operationArb = fc.oneof(
      fc.record({ kind: fc.constant('post' as const), email: fc.constantFrom(...emails), role: fc.constantFrom(...ROLES.slice(0, 4)), other: fc.boolean() }),
      fc.record({ kind: fc.constantFrom('delete' as const, 'resend' as const, 'accept' as const), index: fc.nat() }),
      fc.record({ kind: fc.constantFrom('new org' as const, 'snapshot' as const, 'clock' as const, 'org again' as const, 'outbox' as const) }),
      fc.record({ kind: fc.constant('list' as const), query: queryArb })
    )
    const path = (orgId: string): string => `/instances/${world.instanceId}/orgs/${orgId}/invites`
    const pending = (): InviteRecord[] => emulator.store.listInvites({ instanceId: world.instanceId, orgId: world.orgId, sortField: 'email', sortDirection: 'asc' })
    let snapshot: Record<string, unknown> | undefined
    let late = false
    await fc.assert(fc.asyncProperty(fc.array(operationArb, { minLength: 1, maxLength: 12 }), async (operations) => {
      for (const operation of operations) {
        if (operation.kind === 'post') {
          const orgId = operation.other ? otherOrg : world.orgId
          expectStatus(await world.app.inject({ method: 'POST', url: path(orgId), headers: world.auth, payload: { email: operation.email, role: operation.role } }), 201)
        } else if (operation.kind === 'delete' || operation.kind === 'resend' || operation.kind === 'accept') {
          const invites = pending()
          const invite = invites[operation.index % Math.max(1, invites.length)]
          if (invite === undefined) continue
          if (operation.kind === 'delete') expectStatus(await world.app.inject({ method: 'DELETE', url: `${path(world.orgId)}/${invite.id}`, headers: world.auth }), 200)
          if (operation.kind === 'resend') expectStatus(await world.app.inject({ method: 'POST', url: `${path(world.orgId)}/${invite.id}`, headers: world.auth, payload: { role: 'edit' } }), 201)
          if (operation.kind === 'accept') expectStatus(await world.app.inject({ method: 'POST', url: '/invites', payload: { email: invite.email, token: invite.token, accept: true } }), 200)
        } else if (operation.kind === 'new org') {
          expectStatus(await world.app.inject({ method: 'POST', url: `/_emulator/instances/${world.instanceId}/orgs`, payload: {} }), 201)
        } else if (operation.kind === 'snapshot') {
          // Take one the first time, restore it after.
          if (snapshot === undefined) snapshot = expectStatus(await world.app.inject({ method: 'GET', url: '/_emulator/snapshot' }), 200).json()
          else expectStatus(await world.app.inject({ method: 'PUT', url: '/_emulator/snapshot', payload: snapshot }), 200)
        } else if (operation.kind === 'org again') {
          // Deleted with its invites, then made again under the same id: empty.
          expectStatus(await world.app.inject({ method: 'DELETE', url: `/_emulator/instances/${world.instanceId}/orgs/${world.orgId}` }), 200)
          expectStatus(await world.app.inject({ method: 'POST', url: path(world.orgId), headers: world.auth, payload: { email: 'a@x.io', role: 'view' } }), 404)
          expectStatus(await world.app.inject({ method: 'POST', url: `/_emulator/instances/${world.instanceId}/orgs`, payload: { id: world.orgId } }), 201)
        } else if (operation.kind === 'outbox') {
          expectStatus(await world.app.inject({ method: 'DELETE', url: '/_emulator/outbox' }), 200)
        } else if (operation.kind === 'clock') {
          late = !late
          clock.setOffset(late ? 60_000 : 0)
        } else if (operation.kind === 'list') {
          const { sortField, sortDirection, filter, links } = operation.query
          const params = new URLSearchParams({ sortField, sortDirection, _links: String(links) })
          const query: InviteListQuery = { instanceId: world.instanceId, orgId: world.orgId, sortField, sortDirection }
          if (filter !== null) {
            params.set('filterField', filter[0])
            params.set('filter', filter[1])
            query.filter = { field: filter[0], glob: compileGlob(filter[1]) }
          }
          const answer = expectStatus(await world.app.inject({ method: 'GET', url: `${path(world.orgId)}?${params}`, headers: world.auth }), 200).json()
          const expected = emulator.store.listInvites(query)
          assert.deepEqual(answer.items.map((item: { id: string, email: string, role: string, inviteDate: string }) => [item.id, item.email, item.role, item.inviteDate]),
            expected.map((record) => [record.id, record.email, record.role, new Date(record.inviteDate).toISOString()]))
          assert.equal(answer.count, expected.length)
        }
      }
    }), { numRuns: 40 })
  })

  test('a listing after a write to another org comes from kept records and still sees its own org change', async (t) => {
    const world = await buildWorld(t)
    for (const email of ['a@x.io', 'b@x.io']) expectStatus(await postInvite(world, { email, role: 'view' }), 201)
    const list = async (query: string): Promise<string[]> =>
      expectStatus(await world.app.inject({ method: 'GET', url: `${world.invitesPath}${query}`, headers: world.auth }), 200).json().items.map((item: { email: string }) => item.email)
    assert.deepEqual(await list(''), ['b@x.io', 'a@x.io'])
    expectStatus(await world.app.inject({ method: 'POST', url: `/_emulator/instances/${world.instanceId}/orgs`, payload: {} }), 201)
    assert.deepEqual(await list('?sortField=email&sortDirection=asc&filterField=email&filter=*@x.io'), ['a@x.io', 'b@x.io'])
    const id = (await postInvite(world, { email: 'c@x.io', role: 'view' })).json().items[0].id as string
    expectStatus(await world.app.inject({ method: 'DELETE', url: `${world.invitesPath}/${id}`, headers: world.auth }), 200)
    assert.deepEqual(await list('?sortField=email&sortDirection=desc'), ['b@x.io', 'a@x.io'])
  })
})
