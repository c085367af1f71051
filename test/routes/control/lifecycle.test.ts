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
    assert.deepEqual(Object.keys(toA[0]).sort(), ['id', 'instanceId', 'inviteId', 'orgId', 'sentAt', 'to', 'token'])
    assert.ok(toA.every((m: any) => m.inviteId === created.id))
    // The token appears nowhere in the Losant answers.
    const listed = await world.app.inject({ method: 'GET', url: world.invitesPath, headers: world.auth })
    assert.equal(all.some((m: any) => listed.body.includes(m.token)), false)
    assert.deepEqual(expectStatus(await world.app.inject({ method: 'DELETE', url: '/_emulator/outbox' }), 200).json(), { success: true })
    assert.deepEqual(expectStatus(await world.app.inject({ method: 'GET', url: '/_emulator/outbox' }), 200).json(), [])
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
