import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { buildTestApp, buildWorld, expectStatus, postInvite } from '../../helper.js'

describe('control plane: outbox and clock', () => {
  test('the outbox records create, re-invite and resend, newest first, filtered by email; DELETE empties it', async (t) => {
    const world = await buildWorld(t)
    const created = expectStatus(await postInvite(world, { email: 'a@x.io', role: 'view' }), 201).json().items[0]
    expectStatus(await postInvite(world, { email: 'b@x.io', role: 'view' }), 201)
    expectStatus(await postInvite(world, { email: 'A@x.io', role: 'admin' }), 201)
    expectStatus(await world.app.inject({ method: 'POST', url: `${world.invitesPath}/${created.id}`, headers: world.auth, payload: {} }), 201)
    const all = expectStatus(await world.app.inject({ method: 'GET', url: '/_emulator/outbox' }), 200).json()
    assert.deepEqual(all.map((m: any) => m.to), ['a@x.io', 'a@x.io', 'b@x.io', 'a@x.io'])
    assert.equal(new Set(all.map((m: any) => m.token)).size, 4)
    const toA = expectStatus(await world.app.inject({ method: 'GET', url: '/_emulator/outbox?email=A@X.IO' }), 200).json()
    assert.equal(toA.length, 3)
    assert.deepEqual(Object.keys(toA[0]).sort(), ['id', 'instanceId', 'inviteId', 'orgId', 'orgName', 'role', 'sentAt', 'state', 'to', 'token'])
    assert.ok(toA.every((m: any) => m.inviteId === created.id))
    // The token appears nowhere in the Losant answers.
    const listed = await world.app.inject({ method: 'GET', url: world.invitesPath, headers: world.auth })
    assert.equal(all.some((m: any) => listed.body.includes(m.token)), false)
    assert.deepEqual(expectStatus(await world.app.inject({ method: 'DELETE', url: '/_emulator/outbox' }), 200).json(), { success: true })
    assert.deepEqual(expectStatus(await world.app.inject({ method: 'GET', url: '/_emulator/outbox' }), 200).json(), [])
  })

  test('each e-mail says what its links do now: pending, replaced by a newer one, accepted, gone, expired; with the org\'s name and the role', async (t) => {
    const world = await buildWorld(t)
    const { app } = world
    const orgName = `Organization ${world.orgId}`
    for (const [email, role] of [['ann@x.io', 'view'], ['bob@x.io', 'edit'], ['cy@x.io', 'view'], ['dee@x.io', 'view'], ['ann@x.io', 'admin']]) {
      expectStatus(await postInvite(world, { email, role }), 201)
    }
    const outbox = async (query = ''): Promise<any[]> => expectStatus(await app.inject({ method: 'GET', url: `/_emulator/outbox${query}` }), 200).json()
    const tokenOf = async (email: string): Promise<string> => (await outbox(`?email=${email}`))[0].token
    const act = async (email: string, accept: boolean): Promise<number> =>
      (await app.inject({ method: 'POST', url: '/invites', payload: { email, token: await tokenOf(email), accept } })).statusCode
    assert.equal(await act('bob@x.io', true), 200)
    assert.equal(await act('cy@x.io', false), 200)
    const dee = expectStatus(await app.inject({ method: 'GET', url: world.invitesPath, headers: world.auth }), 200).json().items.find((i: any) => i.email === 'dee@x.io')
    expectStatus(await app.inject({ method: 'DELETE', url: `${world.invitesPath}/${dee.id}`, headers: world.auth }), 200)

    const listed = (await outbox()).map((m) => [m.to, m.role, m.orgName, m.state])
    assert.deepEqual(listed, [
      ['ann@x.io', 'admin', orgName, 'pending'],
      ['dee@x.io', 'view', orgName, 'gone'],
      ['cy@x.io', 'view', orgName, 'gone'],
      ['bob@x.io', 'edit', orgName, 'accepted'],
      ['ann@x.io', 'view', orgName, 'replaced']
    ])
    // What each state promises, checked against /invites itself.
    for (const message of await outbox()) {
      const lookup = await app.inject({ method: 'GET', url: `/invites?email=${message.to}&token=${message.token}` })
      assert.equal(lookup.statusCode, message.state === 'pending' ? 200 : 404, `${message.to} ${message.state}`)
    }
    expectStatus(await app.inject({ method: 'POST', url: '/_emulator/clock', payload: { offsetMs: 8 * 24 * 3600 * 1000 } }), 200)
    const [latest] = await outbox('?limit=1')
    assert.deepEqual([latest.to, latest.state], ['ann@x.io', 'expired'])
    assert.equal((await app.inject({ method: 'GET', url: `/invites?email=ann@x.io&token=${latest.token}` })).statusCode, 410)
    assert.equal((await outbox('?limit=2')).length, 2)
    assert.deepEqual((await outbox('?email=ann@x.io&limit=1')).map((m) => m.role), ['admin'])
    const badLimit = await app.inject({ method: 'GET', url: '/_emulator/outbox?limit=0' })
    assert.deepEqual([badLimit.statusCode, badLimit.json()], [400, { type: 'Validation', message: 'limit pattern mismatch' }])

    // The org deleted: its e-mails stay, without its name, and their links are gone.
    expectStatus(await app.inject({ method: 'DELETE', url: `/_emulator/instances/${world.instanceId}/orgs/${world.orgId}` }), 200)
    assert.deepEqual((await outbox()).map((m) => [m.state, 'orgName' in m]), Array(5).fill(['gone', false]))
  })

  test('the clock: read, move by offset or to an instant, back to real time; new invites take its time', async (t) => {
    const world = await buildWorld(t)
    const start = expectStatus(await world.app.inject({ method: 'GET', url: '/_emulator/clock' }), 200).json()
    assert.equal(start.offsetMs, 0)
    assert.ok(Math.abs(Date.parse(start.now) - Date.now()) < 5000)
    const moved = expectStatus(await world.app.inject({ method: 'POST', url: '/_emulator/clock', payload: { now: '2030-01-01T00:00:00.000Z' } }), 200).json()
    assert.ok(Math.abs(Date.parse(moved.now) - Date.parse('2030-01-01T00:00:00.000Z')) < 5000)
    const invite = expectStatus(await postInvite(world, { email: 'future@x.io', role: 'view' }), 201).json().items[0]
    assert.equal(invite.inviteDate.slice(0, 10), '2030-01-01')
    const byOffset = expectStatus(await world.app.inject({ method: 'POST', url: '/_emulator/clock', payload: { offsetMs: -1000 } }), 200).json()
    assert.equal(byOffset.offsetMs, -1000)
    for (const [payload, message] of [[{}, 'give exactly one of offsetMs and now'], [{ offsetMs: 1, now: '2030-01-01T00:00:00Z' }, 'give exactly one of offsetMs and now'], [{ offsetMs: 1.5 }, 'offsetMs is the wrong type'], [{ now: 'soon' }, 'now must be date-time format']] as const) {
      const response = await world.app.inject({ method: 'POST', url: '/_emulator/clock', payload })
      assert.deepEqual([response.statusCode, response.json()], [400, { type: 'Validation', message }])
    }
  })

  test('reset empties the outbox and returns the clock to real time', async (t) => {
    const world = await buildWorld(t)
    expectStatus(await postInvite(world, { email: 'a@x.io', role: 'view' }), 201)
    expectStatus(await world.app.inject({ method: 'POST', url: '/_emulator/clock', payload: { offsetMs: 99_000 } }), 200)
    expectStatus(await world.app.inject({ method: 'POST', url: '/_emulator/reset' }), 200)
    assert.deepEqual(expectStatus(await world.app.inject({ method: 'GET', url: '/_emulator/outbox' }), 200).json(), [])
    assert.equal(expectStatus(await world.app.inject({ method: 'GET', url: '/_emulator/clock' }), 200).json().offsetMs, 0)
  })

  test('a restored snapshot behaves the same: pending invite tokens and members come back', async (t) => {
    const world = await buildWorld(t)
    expectStatus(await postInvite(world, { email: 'keep@x.io', role: 'edit' }), 201)
    expectStatus(await postInvite(world, { email: 'join@x.io', role: 'view' }), 201)
    const [joinMessage, keepMessage] = world.app.emulator.outbox()
    expectStatus(await world.app.inject({ method: 'POST', url: '/invites', payload: { email: 'join@x.io', token: joinMessage!.token, accept: true } }), 200)
    const snapshot = expectStatus(await world.app.inject({ method: 'GET', url: '/_emulator/snapshot' }), 200).json()

    const fresh = await buildTestApp(t)
    expectStatus(await fresh.inject({ method: 'PUT', url: '/_emulator/snapshot', payload: snapshot }), 200)
    const info = expectStatus(await fresh.inject({ method: 'GET', url: `/invites?token=${keepMessage!.token}&email=keep@x.io` }), 200).json()
    assert.equal(info.role, 'edit')
    assert.deepEqual(fresh.emulator.snapshot().instances[0]!.orgs![0]!.members, [{ email: 'join@x.io', role: 'view' }])
  })
})
