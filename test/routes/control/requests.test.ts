import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { buildTestApp, buildWorld, createOrg, expectStatus, mintToken, postInvite } from '../../helper.js'

describe('control plane: the request journal', () => {
  test('records method, path, query, headers and body, with the token redacted to its scopes and instance', async (t) => {
    const world = await buildWorld(t)
    const bound = await mintToken(world.app, ['instanceOrgInvites.get'], { instanceId: world.instanceId })
    // A delay the POST must show in its duration.
    expectStatus(await world.app.inject({ method: 'POST', url: '/_emulator/faults', payload: { path: world.invitesPath, method: 'POST', delayMs: 50 } }), 201)
    const sentAt = Date.now()
    expectStatus(await postInvite(world, { email: 'ann@example.com', role: 'view' }), 201)
    const answeredAt = Date.now()
    expectStatus(await world.app.inject({ method: 'GET', url: `${world.invitesPath}?sortField=email&access_token=${bound}` }), 200)
    expectStatus(await world.app.inject({ method: 'GET', url: world.invitesPath, headers: { authorization: 'JWT not-a-token' } }), 401)

    const response = expectStatus(await world.app.inject({ method: 'GET', url: '/_emulator/requests' }), 200)
    const [bad, byQuery, post, ...rest] = response.json()
    assert.equal(rest.length, 0, 'control-plane requests are not recorded')
    assert.equal(post.method, 'POST')
    assert.equal(post.path, world.invitesPath)
    assert.deepEqual(post.body, { email: 'ann@example.com', role: 'view' })
    assert.equal(post.status, 201)
    assert.equal(post.headers.authorization, 'Bearer [redacted]')
    assert.deepEqual(post.token, { scope: ['all.Instance'] })
    assert.deepEqual([post.instanceId, post.orgId], [world.instanceId, world.orgId])
    // A timer counts from the event loop's cached time, so it may fire a little early.
    assert.ok(post.durationMs >= 40 && post.durationMs <= answeredAt - sentAt + 1, `durationMs ${post.durationMs}, ${answeredAt - sentAt} ms around it`)
    assert.ok(Date.parse(post.time) >= sentAt - 1 && Date.parse(post.time) <= answeredAt, `time ${post.time}: when it arrived`)
    assert.deepEqual(byQuery.query, { sortField: 'email', access_token: '[redacted]' })
    assert.deepEqual(byQuery.token, { scope: ['instanceOrgInvites.get'], instanceId: world.instanceId })
    assert.equal(bad.headers.authorization, 'JWT [redacted]')
    assert.deepEqual(bad.token, { scope: [], error: 'Invalid access token' })
    assert.equal(bad.status, 401)
    assert.ok(!response.body.includes(world.token) && !response.body.includes(bound), 'no token anywhere')
    assert.ok(bad.id > byQuery.id && byQuery.id > post.id)
  })

  test('on /invites the invite\'s own token is redacted: the outbox is the only place it shows', async (t) => {
    const world = await buildWorld(t)
    expectStatus(await postInvite(world, { email: 'ann@example.com', role: 'view' }), 201)
    const [message] = world.app.emulator.outbox('ann@example.com')
    expectStatus(await world.app.inject({ method: 'GET', url: `/invites?email=ann@example.com&token=${message!.token}` }), 200)
    expectStatus(await world.app.inject({ method: 'POST', url: '/invites', payload: { email: 'ann@example.com', token: message!.token, accept: false } }), 200)
    const response = expectStatus(await world.app.inject({ method: 'GET', url: '/_emulator/requests?path=/invites' }), 200)
    const [post, get] = response.json()
    assert.deepEqual(get.query, { email: 'ann@example.com', token: '[redacted]' })
    assert.deepEqual(post.body, { email: 'ann@example.com', token: '[redacted]', accept: false })
    assert.equal(response.body.includes(message!.token), false)
  })

  test('a token check is recorded only where a bearer token is read: not on /invites, not on unknown paths', async (t) => {
    const world = await buildWorld(t)
    for (const authorization of ['Bearer not-a-token', world.auth.authorization]) {
      expectStatus(await world.app.inject({ method: 'GET', url: '/invites?email=a@b.co&token=x', headers: { authorization } }), 404)
      expectStatus(await world.app.inject({ method: 'POST', url: '/invites', headers: { authorization }, payload: { email: 'a@b.co', token: 'x', accept: true } }), 404)
      expectStatus(await world.app.inject({ method: 'GET', url: '/nope', headers: { authorization } }), 404)
    }
    // A Losant route reads it even when validation answers first.
    expectStatus(await world.app.inject({ method: 'GET', url: `${world.invitesPath}?sortField=x`, headers: { authorization: 'Bearer not-a-token' } }), 400)
    const [invalid, ...others] = expectStatus(await world.app.inject({ method: 'GET', url: '/_emulator/requests' }), 200).json()
    assert.deepEqual(invalid.token, { scope: [], error: 'Invalid access token' })
    assert.equal(others.length, 6)
    for (const entry of others) assert.equal('token' in entry, false, `${entry.method} ${entry.path}`)
  })

  test('unknown paths are recorded too; /_emulator never', async (t) => {
    const app = await buildTestApp(t)
    expectStatus(await app.inject({ method: 'GET', url: '/nope?jwt=secret' }), 404)
    expectStatus(await app.inject({ method: 'GET', url: '/_emulator/health' }), 200)
    const entries = expectStatus(await app.inject({ method: 'GET', url: '/_emulator/requests' }), 200).json()
    assert.deepEqual(entries.map((e: any) => [e.path, e.status, e.query]), [['/nope', 404, { jwt: '[redacted]' }]])
  })

  test('filters by org, instance, method, path, since and limit; a filtered delete leaves other orgs\' entries', async (t) => {
    const world = await buildWorld(t)
    const other = await createOrg(world.app, world.instanceId)
    const otherPath = `/instances/${world.instanceId}/orgs/${other.id}/invites`
    for (let i = 0; i < 2; i++) {
      expectStatus(await world.app.inject({ method: 'GET', url: world.invitesPath, headers: world.auth }), 200)
      expectStatus(await world.app.inject({ method: 'GET', url: otherPath, headers: world.auth }), 200)
    }
    expectStatus(await world.app.inject({ method: 'POST', url: otherPath, headers: world.auth, payload: { email: 'a@b.co', role: 'view' } }), 201)
    const list = async (query: string) => expectStatus(await world.app.inject({ method: 'GET', url: `/_emulator/requests?${query}` }), 200).json()

    assert.equal((await list(`orgId=${world.orgId}`)).length, 2)
    assert.equal((await list(`orgId=${other.id.toUpperCase()}`)).length, 3)
    assert.equal((await list(`instanceId=${world.instanceId}`)).length, 5)
    assert.equal((await list('method=post')).length, 1)
    assert.equal((await list(`path=*/orgs/${other.id}/*`)).length, 3)
    assert.equal((await list('limit=2')).length, 2)
    assert.equal((await list('since=2999-01-01T00:00:00Z')).length, 0)

    const removed = expectStatus(await world.app.inject({ method: 'DELETE', url: `/_emulator/requests?orgId=${other.id}` }), 200)
    assert.deepEqual(removed.json(), { success: true, removed: 3 })
    const left = await list('')
    assert.equal(left.length, 2)
    assert.ok(left.every((e: any) => e.orgId === world.orgId))
    assert.deepEqual(expectStatus(await world.app.inject({ method: 'DELETE', url: '/_emulator/requests' }), 200).json(), { success: true, removed: 2 })
  })

  test('bad filters are 400 Validation; unknown parameters are refused', async (t) => {
    const app = await buildTestApp(t)
    const cases: Array<[string, string]> = [
      ['orgId=nope', 'orgId pattern mismatch'],
      ['limit=0', 'limit pattern mismatch'],
      ['since=yesterday', 'since must be date-time format'],
      ['orgid=aaaaaaaaaaaaaaaaaaaaaaaa', 'query has additional properties (orgid)'],
      ['path={a,b}{a,b}{a,b}{a,b}{a,b}{a,b}', 'path has more than 32 brace alternatives']
    ]
    for (const [query, message] of cases) {
      for (const method of ['GET', 'DELETE'] as const) {
        const response = await app.inject({ method, url: `/_emulator/requests?${query}` })
        assert.deepEqual([response.statusCode, response.json()], [400, { type: 'Validation', message }], `${method} ${query}`)
      }
    }
  })

  test('a body over 64 KiB is not kept', async (t) => {
    const world = await buildWorld(t)
    const payload = { email: 'a@b.co', role: 'view', note: 'x'.repeat(70 * 1024) }
    expectStatus(await world.app.inject({ method: 'POST', url: world.invitesPath, headers: world.auth, payload }), 400)
    const [entry] = expectStatus(await world.app.inject({ method: 'GET', url: '/_emulator/requests' }), 200).json()
    assert.deepEqual([entry.body, entry.bodyOmitted, entry.status], [undefined, true, 400])
  })

  test('the bound drops the oldest', async (t) => {
    const app = await buildTestApp(t, { journalSize: 3 })
    for (let i = 0; i < 5; i++) await app.inject({ method: 'GET', url: `/p${i}` })
    const entries = expectStatus(await app.inject({ method: 'GET', url: '/_emulator/requests' }), 200).json()
    assert.deepEqual(entries.map((e: any) => e.path), ['/p4', '/p3', '/p2'])
  })

  test('journal off records nothing', async (t) => {
    const world = await buildWorld(t, { journal: false })
    expectStatus(await world.app.inject({ method: 'GET', url: world.invitesPath, headers: world.auth }), 200)
    assert.deepEqual(expectStatus(await world.app.inject({ method: 'GET', url: '/_emulator/requests' }), 200).json(), [])
  })

  test('reset clears the journal; snapshots do not hold it', async (t) => {
    const world = await buildWorld(t)
    expectStatus(await world.app.inject({ method: 'GET', url: world.invitesPath, headers: world.auth }), 200)
    const snapshot = expectStatus(await world.app.inject({ method: 'GET', url: '/_emulator/snapshot' }), 200).json()
    assert.deepEqual(Object.keys(snapshot).sort(), ['instances', 'tokens'])
    expectStatus(await world.app.inject({ method: 'POST', url: '/_emulator/reset' }), 200)
    assert.deepEqual(expectStatus(await world.app.inject({ method: 'GET', url: '/_emulator/requests' }), 200).json(), [])
  })

  test('admin policy: with an admin token, the journal needs it', async (t) => {
    const app = await buildTestApp(t, { adminToken: 'adm' })
    assert.equal((await app.inject({ method: 'GET', url: '/_emulator/requests' })).statusCode, 401)
    assert.equal((await app.inject({ method: 'DELETE', url: '/_emulator/requests' })).statusCode, 401)
    assert.equal((await app.inject({ method: 'GET', url: '/_emulator/requests', headers: { authorization: 'Bearer adm' } })).statusCode, 200)
  })
})
