import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Clock } from '../../../src/clock.js'
import { buildWorld, createInstance, createOrg, expectStatus, postInvite, type World } from '../../helper.js'

const APP_ID = '575ec8687ae143cd83dc4a97'

async function list (world: World, query = ''): Promise<any> {
  return expectStatus(await world.app.inject({ method: 'GET', url: `${world.invitesPath}${query}`, headers: world.auth }), 200).json()
}

async function seedInvites (world: World, emails: Array<[string, string]>): Promise<void> {
  for (const [email, role] of emails) expectStatus(await postInvite(world, { email, role }), 201)
}

describe('POST /instances/{instanceId}/orgs/{orgId}/invites', () => {
  test('creates an invite and answers 201 with the whole collection in the default order', async (t) => {
    const world = await buildWorld(t)
    const first = await postInvite(world, { email: 'first@example.com', role: 'admin' })
    assert.equal(first.statusCode, 201)
    const second = expectStatus(await postInvite(world, {
      email: 'second@example.com',
      role: 'view',
      applicationRoles: [{ resourceId: APP_ID, role: 'collaborate' }],
      dashboardRoles: [{ resourceId: APP_ID, role: 'view' }],
      disallowTransfer: true
    }), 201).json()
    assert.equal(second.count, 2)
    assert.equal(second.sortField, 'inviteDate')
    assert.equal(second.sortDirection, 'desc')
    assert.equal(second.instanceId, world.instanceId)
    assert.equal(second.orgId, world.orgId)
    assert.equal('filter' in second, false)
    assert.deepEqual(second.items.map((i: any) => i.email), ['second@example.com', 'first@example.com'])
    const [newest, oldest] = second.items
    assert.match(newest.id, /^[0-9a-f]{24}$/)
    assert.match(newest.inviteDate, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
    assert.equal(newest.ttl, 604800000)
    assert.equal(newest.hasExpired, false)
    assert.deepEqual(newest.applicationRoles, [{ resourceId: APP_ID, role: 'collaborate' }])
    assert.deepEqual(newest.dashboardRoles, [{ resourceId: APP_ID, role: 'view' }])
    assert.equal(newest.disallowTransfer, true)
    assert.equal(newest._type, 'instanceOrgInvite')
    assert.equal(newest._links.self.href, `${world.invitesPath}/${newest.id}`)
    // Optional fields appear only when the invite has them.
    assert.deepEqual(Object.keys(oldest).sort(), ['_links', '_type', 'email', 'hasExpired', 'id', 'inviteDate', 'role', 'ttl'])
    assert.equal(second._type, 'instanceOrgInvites')
    assert.equal(second._links.self.href, world.invitesPath)
  })

  test('ids are 24 hex characters and time-ordered', async (t) => {
    // Like a MongoDB ObjectId (docs/API.md, invites): the first 4 bytes are the creation time in
    // seconds, so ids sort in creation order, across seconds and within one.
    const clock = new Clock()
    const world = await buildWorld(t, { clock })
    const created: Array<{ id: string, inviteDate: string }> = []
    for (const [email, offsetMs] of [['a@x.io', 0], ['b@x.io', 0], ['c@x.io', 5000], ['d@x.io', 5000], ['e@x.io', 70_000]] as const) {
      clock.setOffset(offsetMs)
      const items = expectStatus(await postInvite(world, { email, role: 'view' }), 201).json().items
      created.push(items.find((i: any) => i.email === email))
    }
    for (const { id, inviteDate } of created) {
      assert.match(id, /^[0-9a-f]{24}$/)
      assert.equal(parseInt(id.slice(0, 8), 16), Math.floor(Date.parse(inviteDate) / 1000), id)
    }
    const ids = created.map(({ id }) => id)
    assert.deepEqual([...ids].sort(), ids)
    assert.equal(new Set(ids).size, ids.length)
  })

  test('stores emails lower-cased; re-inviting an email replaces roles, restarts inviteDate, keeps the id', async (t) => {
    const clock = new Clock()
    const world = await buildWorld(t, { clock })
    const created = expectStatus(await postInvite(world, {
      email: 'Person@Example.COM',
      role: 'admin',
      applicationRoles: [{ resourceId: APP_ID, role: 'view' }],
      disallowTransfer: true
    }), 201).json().items[0]
    assert.equal(created.email, 'person@example.com')
    clock.setOffset(60_000)
    const again = expectStatus(await postInvite(world, { email: 'PERSON@example.com', role: 'view' }), 201).json()
    assert.equal(again.count, 1)
    const replaced = again.items[0]
    assert.equal(replaced.id, created.id)
    assert.equal(replaced.role, 'view')
    assert.equal(replaced.applicationRoles, undefined)
    assert.equal(replaced.disallowTransfer, undefined)
    assert.equal(Date.parse(replaced.inviteDate) - Date.parse(created.inviteDate) >= 60_000, true)
  })

  test('uses the configured invite ttl', async (t) => {
    const world = await buildWorld(t, { inviteTtlMs: 1234 })
    const invite = expectStatus(await postInvite(world, { email: 'a@b', role: 'none' }), 201).json().items[0]
    assert.equal(invite.ttl, 1234)
  })

  const invalidBodies: Array<[string, unknown, string]> = [
    ['missing email', { role: 'admin' }, 'invite.email is required'],
    ['missing role', { email: 'a@example.com' }, 'invite.role is required'],
    ['empty email', { email: '', role: 'admin' }, 'invite.email must be email format'],
    ['email without @', { email: 'nobody', role: 'admin' }, 'invite.email must be email format'],
    ['email too long', { email: `${'a'.repeat(1020)}@b.co`, role: 'admin' }, 'invite.email has longer length than allowed'],
    ['email not a string', { email: 42, role: 'admin' }, 'invite.email is the wrong type'],
    ['unknown role', { email: 'a@b', role: 'owner' }, 'invite.role must be an enum value'],
    ['additional property', { email: 'a@b', role: 'view', team: 'x' }, 'invite has additional properties'],
    ['__proto__ key', JSON.parse('{"email":"a@b","role":"view","__proto__":{"polluted":true}}'), 'invite has additional properties'],
    ['boolean as string', { email: 'a@b', role: 'view', disallowTransfer: 'true' }, 'invite.disallowTransfer is the wrong type'],
    ['bad resourceId', { email: 'a@b', role: 'view', applicationRoles: [{ resourceId: 'nope', role: 'view' }] }, 'invite.applicationRoles.0.resourceId pattern mismatch'],
    ['bad resource role', { email: 'a@b', role: 'view', dashboardRoles: [{ resourceId: APP_ID, role: 'admin' }] }, 'invite.dashboardRoles.0.role must be an enum value'],
    ['resource role extra key', { email: 'a@b', role: 'view', dashboardRoles: [{ resourceId: APP_ID, role: 'view', x: 1 }] }, 'invite.dashboardRoles.0 has additional properties'],
    ['too many application roles', { email: 'a@b', role: 'view', applicationRoles: Array.from({ length: 101 }, () => ({ resourceId: APP_ID, role: 'view' })) }, 'invite.applicationRoles has more items than allowed'],
    ['body an array', [], 'invite is the wrong type'],
    ['body a string', 'hello', 'invite is the wrong type'],
    ['body null', null, 'invite is the wrong type']
  ]
  for (const [name, body, message] of invalidBodies) {
    test(`400 for ${name}: ${message}`, async (t) => {
      const world = await buildWorld(t)
      const response = await world.app.inject({
        method: 'POST',
        url: world.invitesPath,
        headers: { ...world.auth, 'content-type': 'application/json' },
        payload: JSON.stringify(body)
      })
      assert.equal(response.statusCode, 400)
      assert.deepEqual(response.json(), { type: 'Validation', message })
      assert.equal(({} as any).polluted, undefined)
    })
  }

  test('"a@b" is a valid email and 100 application roles are allowed', async (t) => {
    const world = await buildWorld(t)
    const roles = Array.from({ length: 100 }, (_, i) => ({ resourceId: `575ec8687ae143cd83dc${i.toString(16).padStart(4, '0')}`, role: i % 2 === 0 ? 'view' : 'collaborate' }))
    const inviteId = expectStatus(await postInvite(world, { email: 'a@b', role: 'view', applicationRoles: roles }), 201).json().items[0].id
    const stored = expectStatus(await world.app.inject({ method: 'GET', url: `${world.invitesPath}/${inviteId}`, headers: world.auth }), 200).json()
    assert.equal(stored.email, 'a@b')
    assert.deepEqual(stored.applicationRoles, roles)
  })

  test('no body: invite is required', async (t) => {
    const world = await buildWorld(t)
    const response = await world.app.inject({ method: 'POST', url: world.invitesPath, headers: world.auth })
    assert.equal(response.statusCode, 400)
    assert.deepEqual(response.json(), { type: 'Validation', message: 'invite is required' })
  })

  test('unknown instance, then unknown org: 404 each', async (t) => {
    const world = await buildWorld(t)
    const other = 'aaaaaaaaaaaaaaaaaaaaaaaa'
    const noInstance = await world.app.inject({ method: 'POST', url: `/instances/${other}/orgs/${world.orgId}/invites`, headers: world.auth, payload: { email: 'a@b', role: 'view' } })
    assert.equal(noInstance.statusCode, 404)
    assert.deepEqual(noInstance.json(), { type: 'NotFound', message: 'Instance was not found' })
    const noOrg = await world.app.inject({ method: 'POST', url: `/instances/${world.instanceId}/orgs/${other}/invites`, headers: world.auth, payload: { email: 'a@b', role: 'view' } })
    assert.equal(noOrg.statusCode, 404)
    assert.deepEqual(noOrg.json(), { type: 'NotFound', message: 'Organization was not found' })
  })

  test('an org belongs to its instance: the same org id under another instance is not found', async (t) => {
    const world = await buildWorld(t)
    const otherInstance = (await createInstance(world.app)).id
    const response = await world.app.inject({ method: 'GET', url: `/instances/${otherInstance}/orgs/${world.orgId}/invites`, headers: world.auth })
    assert.deepEqual(response.json(), { type: 'NotFound', message: 'Organization was not found' })
  })

  test('ids are matched case-insensitively', async (t) => {
    const world = await buildWorld(t)
    await seedInvites(world, [['a@b', 'view']])
    const upper = await world.app.inject({ method: 'GET', url: world.invitesPath.toUpperCase().replace('/INSTANCES/', '/instances/').replace('/ORGS/', '/orgs/').replace('/INVITES', '/invites'), headers: world.auth })
    assert.equal(upper.statusCode, 200)
    assert.equal(upper.json().count, 1)
  })
})

describe('GET /instances/{instanceId}/orgs/{orgId}/invites', () => {
  test('an empty org lists nothing', async (t) => {
    const world = await buildWorld(t)
    const body = await list(world)
    assert.deepEqual(body.items, [])
    assert.equal(body.count, 0)
  })

  test('sorts by email, role and inviteDate in both directions, ties by id in the same direction', async (t) => {
    const world = await buildWorld(t)
    await seedInvites(world, [['c@x.io', 'view'], ['a@x.io', 'admin'], ['d@x.io', 'view'], ['b@x.io', 'edit']])
    const emails = async (q: string) => (await list(world, q)).items.map((i: any) => i.email)
    assert.deepEqual(await emails('?sortField=email&sortDirection=asc'), ['a@x.io', 'b@x.io', 'c@x.io', 'd@x.io'])
    assert.deepEqual(await emails('?sortField=email'), ['d@x.io', 'c@x.io', 'b@x.io', 'a@x.io'])
    assert.deepEqual(await emails(''), ['b@x.io', 'd@x.io', 'a@x.io', 'c@x.io'])
    assert.deepEqual(await emails('?sortDirection=asc'), ['c@x.io', 'a@x.io', 'd@x.io', 'b@x.io'])
    // role alphabetically; the two "view" invites tie and fall back to id (creation order).
    assert.deepEqual(await emails('?sortField=role&sortDirection=asc'), ['a@x.io', 'b@x.io', 'c@x.io', 'd@x.io'])
    assert.deepEqual(await emails('?sortField=role&sortDirection=desc'), ['d@x.io', 'c@x.io', 'b@x.io', 'a@x.io'])
    const body = await list(world, '?sortField=role&sortDirection=asc')
    assert.equal(body.sortField, 'role')
    assert.equal(body.sortDirection, 'asc')
  })

  test('ties sort by id in the listing\'s direction, in the store itself', async (t) => {
    // Each listing is the first on a fresh app, right after PUT /_emulator/snapshot: no
    // listing kept from before can answer it, so the store's own order is what is judged.
    // Ties on role and on inviteDate; the ids' order differs from the order they are stored in.
    const day1 = '2024-01-01T00:00:00.000Z'
    const invites = [
      { id: '5f0000000000000000000003', email: 'a@x.io', role: 'view', inviteDate: day1 },
      { id: '5f0000000000000000000002', email: 'c@x.io', role: 'view', inviteDate: day1 },
      { id: '5f0000000000000000000001', email: 'b@x.io', role: 'admin', inviteDate: day1 },
      { id: '5f0000000000000000000004', email: 'd@x.io', role: 'edit', inviteDate: '2024-01-02T00:00:00.000Z' }
    ]
    const cases: Array<[string, string[]]> = [
      ['?sortField=role&sortDirection=asc', ['b@x.io', 'd@x.io', 'c@x.io', 'a@x.io']],
      ['?sortField=role&sortDirection=desc', ['a@x.io', 'c@x.io', 'd@x.io', 'b@x.io']],
      ['?sortField=inviteDate&sortDirection=asc', ['b@x.io', 'c@x.io', 'a@x.io', 'd@x.io']],
      ['', ['d@x.io', 'a@x.io', 'c@x.io', 'b@x.io']],
      // Filtered: read through other indexes, whose order the ties must not keep.
      ['?sortField=role&sortDirection=asc&filterField=role&filter=view', ['c@x.io', 'a@x.io']],
      ['?sortField=role&sortDirection=asc&filterField=email&filter=*', ['b@x.io', 'd@x.io', 'c@x.io', 'a@x.io']],
      ['?filterField=email&filter=*@x.io', ['d@x.io', 'a@x.io', 'c@x.io', 'b@x.io']]
    ]
    for (const [query, emails] of cases) {
      const world = await buildWorld(t)
      const snapshot = { instances: [{ id: world.instanceId, orgs: [{ id: world.orgId, invites }] }] }
      expectStatus(await world.app.inject({ method: 'PUT', url: '/_emulator/snapshot', payload: snapshot }), 200)
      assert.deepEqual((await list(world, query)).items.map((i: any) => i.email), emails, query)
    }
  })

  test('filters by email and role with whole-value, case-insensitive globs, echoing the filter', async (t) => {
    const world = await buildWorld(t)
    await seedInvites(world, [['ann@example.com', 'view'], ['bob@example.com', 'admin'], ['ann@other.org', 'view'], ['xann@example.com', 'edit']])
    const emails = async (q: string) => (await list(world, `?sortField=email&sortDirection=asc&${q}`)).items.map((i: any) => i.email)
    assert.deepEqual(await emails('filterField=email&filter=*@example.com'), ['ann@example.com', 'bob@example.com', 'xann@example.com'])
    assert.deepEqual(await emails('filterField=email&filter=ANN*'), ['ann@example.com', 'ann@other.org'])
    assert.deepEqual(await emails('filterField=email&filter=ann'), [])
    assert.deepEqual(await emails('filterField=email&filter=?ann@example.com'), ['xann@example.com'])
    assert.deepEqual(await emails('filterField=email&filter=*ann*'), ['ann@example.com', 'ann@other.org', 'xann@example.com'])
    assert.deepEqual(await emails('filterField=email&filter=ann@{example.com,other.org}'), ['ann@example.com', 'ann@other.org'])
    assert.deepEqual(await emails('filterField=email&filter=[ab]*@example.com'), ['ann@example.com', 'bob@example.com'])
    assert.deepEqual(await emails('filterField=role&filter=view'), ['ann@example.com', 'ann@other.org'])
    assert.deepEqual(await emails('filterField=role&filter=*i*'), ['ann@example.com', 'ann@other.org', 'bob@example.com', 'xann@example.com'])
    const body = await list(world, '?filterField=email&filter=bob*')
    assert.equal(body.filterField, 'email')
    assert.equal(body.filter, 'bob*')
    assert.equal(body.count, 1)
  })

  test('a leading ! is an ordinary character, not a negation', async (t) => {
    const world = await buildWorld(t)
    await seedInvites(world, [['!a@x.io', 'view'], ['b@x.io', 'view']])
    const body = await list(world, `?filterField=email&filter=${encodeURIComponent('!a*')}`)
    assert.deepEqual(body.items.map((i: any) => i.email), ['!a@x.io'])
  })

  test('blank or absent filter, or absent filterField, means no filtering and no echo', async (t) => {
    const world = await buildWorld(t)
    await seedInvites(world, [['a@x.io', 'view'], ['b@y.io', 'view']])
    for (const q of ['?filterField=email&filter=', '?filterField=email', '?filter=a*']) {
      const body = await list(world, q)
      assert.equal(body.count, 2, q)
      assert.equal('filter' in body, false, q)
      assert.equal('filterField' in body, false, q)
    }
  })

  test('SQL and glob metacharacters in a filter are data', async (t) => {
    const world = await buildWorld(t)
    await seedInvites(world, [["o'neil%_@x.io", 'view'], ['plain@x.io', 'view']])
    const body = await list(world, `?filterField=email&filter=${encodeURIComponent("o'neil%_*")}`)
    assert.deepEqual(body.items.map((i: any) => i.email), ["o'neil%_@x.io"])
    const escaped = await list(world, `?filterField=email&filter=${encodeURIComponent('\\*')}`)
    assert.equal(escaped.count, 0)
  })

  test('_links=false drops the links', async (t) => {
    const world = await buildWorld(t)
    await seedInvites(world, [['a@x.io', 'view']])
    const body = await list(world, '?_links=false')
    assert.equal(body._links, undefined)
    assert.equal(body.items[0]._links, undefined)
    assert.equal(body._type, 'instanceOrgInvites')
  })

  test('hasExpired is computed when read', async (t) => {
    const clock = new Clock()
    const world = await buildWorld(t, { clock, inviteTtlMs: 1000 })
    await seedInvites(world, [['a@x.io', 'view']])
    assert.equal((await list(world)).items[0].hasExpired, false)
    clock.setOffset(1001)
    assert.equal((await list(world)).items[0].hasExpired, true)
  })

  test('listings read again after writes elsewhere keep their own filter, order, links and expiry', async (t) => {
    // A write to another org leaves this org's kept records (and what is made from them)
    // in use: each listing, read again and again between such writes, must still be its own.
    const clock = new Clock()
    const world = await buildWorld(t, { clock, inviteTtlMs: 1000 })
    await seedInvites(world, [['c@x.io', 'view'], ['a@x.io', 'admin'], ['b@x.io', 'edit']])
    await list(world)
    const expected: Record<string, string[]> = {
      '': ['b@x.io', 'a@x.io', 'c@x.io'],
      '?sortDirection=asc': ['c@x.io', 'a@x.io', 'b@x.io'],
      '?filterField=email&filter=*': ['b@x.io', 'a@x.io', 'c@x.io'],
      '?filterField=email&filter={*a*,*b*}': ['b@x.io', 'a@x.io'],
      '?filterField=email&filter=*@x.io&sortDirection=asc': ['c@x.io', 'a@x.io', 'b@x.io'],
      '?_links=false': ['b@x.io', 'a@x.io', 'c@x.io']
    }
    for (let round = 0; round < 3; round++) {
      for (const [query, emails] of Object.entries(expected)) {
        await createOrg(world.app, world.instanceId)
        const body = await list(world, query)
        assert.deepEqual(body.items.map((i: any) => i.email), emails, `round ${round}: ${query}`)
        assert.equal(body.count, emails.length)
        assert.equal(body.items[0]._links === undefined, query === '?_links=false', `round ${round}: ${query} links`)
        assert.equal(body.items[0].hasExpired, false)
      }
    }
    clock.setOffset(1001)
    for (const query of ['', '?filterField=email&filter=*']) {
      await createOrg(world.app, world.instanceId)
      assert.deepEqual((await list(world, query)).items.map((i: any) => i.hasExpired), [true, true, true], query)
    }
  })

  test('unknown query parameters are ignored', async (t) => {
    const world = await buildWorld(t)
    await seedInvites(world, [['b@x.io', 'view'], ['a@x.io', 'admin']])
    // Names that differ from the real ones only by case are unknown too: the default order.
    const body = await list(world, '?_actions=false&_links=true&_embedded=true&whatever=1&SortField=email&sortdirection=asc&FilterField=role&Filter=view')
    assert.deepEqual(body.items.map((i: any) => i.email), ['a@x.io', 'b@x.io'])
    assert.deepEqual([body.count, body.sortField, body.sortDirection, 'filter' in body], [2, 'inviteDate', 'desc', false])
    assert.deepEqual(body, await list(world))
  })

  const invalidQueries: Array<[string, string]> = [
    ['?sortField=name', 'sortField must be an enum value'],
    ['?sortField=', 'sortField must be an enum value'],
    ['?sortDirection=ASC', 'sortDirection must be an enum value'],
    ['?filterField=', 'filterField must be an enum value'],
    ['?filterField=id&filter=x', 'filterField must be an enum value'],
    ['?sortField=email&sortField=role', 'sortField is the wrong type'],
    [`?filterField=email&filter=${'a'.repeat(257)}`, 'filter has longer length than allowed'],
    [`?filterField=email&filter=${encodeURIComponent('{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}')}`, 'filter has more than 32 brace alternatives'],
    [`?filterField=email&filter=${encodeURIComponent(`*${'{a,b}'.repeat(5)}${'?'.repeat(228)}z*`)}`, 'filter has more than 512 characters in its brace alternatives together']
  ]
  for (const [query, message] of invalidQueries) {
    test(`400 for ${query.slice(0, 60)}: ${message}`, async (t) => {
      const world = await buildWorld(t)
      const response = await world.app.inject({ method: 'GET', url: `${world.invitesPath}${query}`, headers: world.auth })
      assert.equal(response.statusCode, 400)
      assert.deepEqual(response.json(), { type: 'Validation', message })
    })
  }

  test('a filter at the length limit is accepted', async (t) => {
    const world = await buildWorld(t)
    // '*a' 128 times: an email ending in "a" with at least 128 of them.
    await seedInvites(world, [[`${'a'.repeat(128)}@x.ca`, 'view'], [`${'a'.repeat(126)}@x.ca`, 'view'], [`${'a'.repeat(128)}@x.io`, 'view']])
    const filter = '*a'.repeat(128)
    const body = await list(world, `?filterField=email&filter=${filter}`)
    assert.deepEqual(body.items.map((i: any) => i.email), [`${'a'.repeat(128)}@x.ca`])
    assert.deepEqual([body.filterField, body.filter, body.count], ['email', filter, 1])
  })

  test('filters stay within their org', async (t) => {
    const world = await buildWorld(t)
    await seedInvites(world, [['a@x.io', 'view']])
    const otherOrg = (await createOrg(world.app, world.instanceId)).id
    expectStatus(await world.app.inject({ method: 'POST', url: `/instances/${world.instanceId}/orgs/${otherOrg}/invites`, headers: world.auth, payload: { email: 'a2@x.io', role: 'view' } }), 201)
    assert.equal((await list(world, '?filterField=email&filter=a*')).count, 1)
  })
})
