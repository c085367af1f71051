import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { EventSourceParserStream } from 'eventsource-parser/stream'
import { startEmulator } from '../../../src/index.js'
import { buildTestApp, buildWorld, expectStatus, postInvite } from '../../helper.js'

interface Changes { data: number, faults: number, journal: { lastId: number, length: number }, clock: { now: string, offsetMs: number } }

describe('control plane: changes', () => {
  test('GET /_emulator/changes: each version moves when its part of the state does, and only then', async (t) => {
    const world = await buildWorld(t)
    const { app } = world
    const read = async (): Promise<Changes> => expectStatus(await app.inject({ method: 'GET', url: '/_emulator/changes' }), 200).json()
    const start = await read()
    assert.deepEqual(Object.keys(start).sort(), ['clock', 'data', 'faults', 'journal'])
    const again = await read()
    assert.deepEqual({ ...again, clock: again.clock.offsetMs }, { ...start, clock: start.clock.offsetMs }, 'nothing changed: the same versions')

    expectStatus(await postInvite(world, { email: 'ann@example.com', role: 'view' }), 201)
    const invited = await read()
    assert.notEqual(invited.data, start.data, 'an invite (and its e-mail)')
    assert.equal(invited.faults, start.faults)
    assert.deepEqual(invited.journal, { lastId: start.journal.lastId + 1, length: start.journal.length + 1 }, 'the POST was journaled')

    expectStatus(await app.inject({ method: 'DELETE', url: '/_emulator/outbox' }), 200)
    const emptied = await read()
    assert.notEqual(emptied.data, invited.data, 'the outbox emptied')

    expectStatus(await app.inject({ method: 'POST', url: '/_emulator/faults', payload: { path: '/nope', status: 503 } }), 201)
    const faulted = await read()
    assert.notEqual(faulted.faults, emptied.faults, 'a fault added')
    expectStatus(await app.inject({ method: 'GET', url: '/nope' }), 503)
    const used = await read()
    assert.notEqual(used.faults, faulted.faults, 'a fault used: its count left changed')
    assert.equal(used.data, faulted.data)

    expectStatus(await app.inject({ method: 'DELETE', url: '/_emulator/requests' }), 200)
    const cleared = await read()
    assert.deepEqual(cleared.journal, { lastId: used.journal.lastId, length: 0 }, 'the journal cleared')

    expectStatus(await app.inject({ method: 'POST', url: '/_emulator/clock', payload: { offsetMs: 60_000 } }), 200)
    const moved = await read()
    assert.equal(moved.clock.offsetMs, 60_000)
    assert.ok(Math.abs(Date.parse(moved.clock.now) - 60_000 - Date.now()) < 5000)
  })

  test('the stream: a change event at once, then one after each change made by anyone; stopping ends it', async (t) => {
    const emulator = await startEmulator({ seed: { instances: [{ id: 'aaaaaaaaaaaaaaaaaaaaaaaa', orgs: [{ id: 'bbbbbbbbbbbbbbbbbbbbbbbb' }] }] } })
    t.after(() => emulator.stop())
    const response = await fetch(`${emulator.url}/_emulator/changes/stream`)
    assert.equal(response.status, 200)
    assert.match(String(response.headers.get('content-type')), /^text\/event-stream/)
    const events = response.body!.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream()).getReader()
    const next = async (): Promise<Changes> => {
      const { value, done } = await events.read()
      assert.equal(done, false)
      assert.equal(value!.event, 'change')
      return JSON.parse(value!.data)
    }
    const first = await next()
    assert.deepEqual(first, { ...(await (await fetch(`${emulator.url}/_emulator/changes`)).json() as Changes), clock: first.clock })

    await emulator.addFault({ path: '*', status: 500 })
    const faulted = await next()
    assert.notEqual(faulted.faults, first.faults)
    await fetch(`${emulator.url}/_emulator/instances`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    const created = await next()
    assert.notEqual(created.data, faulted.data)
    await emulator.setClock({ offsetMs: -5000 })
    assert.equal((await next()).clock.offsetMs, -5000)

    await emulator.stop()
    assert.equal((await events.read()).done, true)
  })

  test('with an admin token both need it', async (t) => {
    const app = await buildTestApp(t, { adminToken: 'adm' })
    for (const url of ['/_emulator/changes', '/_emulator/changes/stream']) {
      assert.equal((await app.inject({ method: 'GET', url })).statusCode, 401, url)
    }
    expectStatus(await app.inject({ method: 'GET', url: '/_emulator/changes', headers: { authorization: 'Bearer adm' } }), 200)
  })
})
