import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { buildTestApp, buildWorld, expectStatus } from '../../helper.js'

describe('control plane: faults', () => {
  test('a fault with times: 2 hits exactly two matching requests; the third is normal', async (t) => {
    const world = await buildWorld(t)
    const created = expectStatus(await world.app.inject({ method: 'POST', url: '/_emulator/faults', payload: { method: 'get', path: '/instances/*/invites', status: 503, times: 2 } }), 201)
    assert.deepEqual(created.json(), { id: 'f1', method: 'GET', path: '/instances/*/invites', times: 2, remaining: 2, status: 503 })
    const statuses = []
    for (let i = 0; i < 3; i++) statuses.push((await world.app.inject({ method: 'GET', url: world.invitesPath, headers: world.auth })).statusCode)
    assert.deepEqual(statuses, [503, 503, 200])
    const listed = expectStatus(await world.app.inject({ method: 'GET', url: '/_emulator/faults' }), 200).json()
    assert.deepEqual(listed.map((f: any) => [f.id, f.remaining]), [['f1', 0]])
    const journal = expectStatus(await world.app.inject({ method: 'GET', url: '/_emulator/requests' }), 200).json()
    assert.deepEqual(journal.map((e: any) => [e.status, e.fault]), [[200, undefined], [503, 'f1'], [503, 'f1']])
  })

  test('a status alone answers a Losant-shaped error; with a body, that body as given', async (t) => {
    const world = await buildWorld(t)
    expectStatus(await world.app.inject({ method: 'POST', url: '/_emulator/faults', payload: { path: '*', orgId: world.orgId, status: 429 } }), 201)
    expectStatus(await world.app.inject({ method: 'POST', url: '/_emulator/faults', payload: { path: '*', status: 500 } }), 201)
    expectStatus(await world.app.inject({ method: 'POST', url: '/_emulator/faults', payload: { path: '*', status: 200, body: { count: 'not a number' } } }), 201)
    const first = await world.app.inject({ method: 'GET', url: world.invitesPath, headers: world.auth })
    assert.deepEqual([first.statusCode, first.json()], [429, { type: 'TooManyRequests', message: 'Injected fault: 429 Too Many Requests' }])
    assert.match(String(first.headers['content-type']), /^application\/json/)
    const second = await world.app.inject({ method: 'GET', url: world.invitesPath, headers: world.auth })
    assert.deepEqual([second.statusCode, second.json()], [500, { type: 'InternalError', message: 'Injected fault: 500 Internal Server Error' }])
    // The route's response schema does not reshape an injected body.
    const third = await world.app.inject({ method: 'GET', url: world.invitesPath, headers: world.auth })
    assert.deepEqual([third.statusCode, third.json()], [200, { count: 'not a number' }])
  })

  test('faults apply before validation and authentication, never to the control plane', async (t) => {
    const world = await buildWorld(t)
    expectStatus(await world.app.inject({ method: 'POST', url: '/_emulator/faults', payload: { path: '**', status: 503, times: 3 } }), 201)
    assert.equal((await world.app.inject({ method: 'GET', url: '/instances/bad/orgs/bad/invites' })).statusCode, 503)
    assert.equal((await world.app.inject({ method: 'POST', url: world.invitesPath, payload: { nonsense: true } })).statusCode, 503)
    expectStatus(await world.app.inject({ method: 'GET', url: '/_emulator/faults' }), 200)
    assert.equal((await world.app.inject({ method: 'GET', url: '/unknown' })).statusCode, 503)
    const posted = (await world.app.inject({ method: 'GET', url: '/_emulator/requests?method=POST' })).json()
    assert.deepEqual(posted[0].body, { nonsense: true }, 'a faulted request\'s body is journaled')
  })

  test('a delay alone answers normally afterwards', async (t) => {
    const world = await buildWorld(t)
    expectStatus(await world.app.inject({ method: 'POST', url: '/_emulator/faults', payload: { path: '*', delayMs: 100 } }), 201)
    const started = performance.now()
    const response = await world.app.inject({ method: 'GET', url: world.invitesPath, headers: world.auth })
    assert.equal(response.statusCode, 200)
    assert.ok(performance.now() - started >= 90, 'delayed')
  })

  test('a reset fault through inject: the response is destroyed (inject rejects)', async (t) => {
    const app = await buildTestApp(t)
    expectStatus(await app.inject({ method: 'POST', url: '/_emulator/faults', payload: { path: '/x', reset: true } }), 201)
    await assert.rejects(app.inject({ method: 'GET', url: '/x' }), /response destroyed before completion/)
    assert.equal((await app.inject({ method: 'GET', url: '/x' })).statusCode, 404)
    const [entry] = expectStatus(await app.inject({ method: 'GET', url: '/_emulator/requests?path=/x&limit=1&since=2000-01-01T00:00:00Z' }), 200).json()
    assert.equal(entry.status, 404)
  })

  test('stopping the emulator ends pending delays: the delayed request is answered', async (t) => {
    const app = await buildTestApp(t)
    expectStatus(await app.inject({ method: 'POST', url: '/_emulator/faults', payload: { path: '/x', delayMs: 60_000 } }), 201)
    await app.listen({ port: 0, host: '127.0.0.1' })
    const address = app.server.address() as { port: number }
    const pending = fetch(`http://127.0.0.1:${address.port}/x`)
    for (let i = 0; i < 100 && (await app.inject({ method: 'GET', url: '/_emulator/faults' })).json()[0].remaining > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    await app.close()
    assert.equal((await pending).status, 404)
  })

  test('filters: instanceId and orgId, method', async (t) => {
    const world = await buildWorld(t)
    const other = 'cccccccccccccccccccccccc'
    expectStatus(await world.app.inject({ method: 'POST', url: '/_emulator/faults', payload: { path: '*', orgId: other, status: 502 } }), 201)
    expectStatus(await world.app.inject({ method: 'POST', url: '/_emulator/faults', payload: { path: '*', method: 'POST', status: 502 } }), 201)
    assert.equal((await world.app.inject({ method: 'GET', url: world.invitesPath, headers: world.auth })).statusCode, 200)
    assert.equal((await world.app.inject({ method: 'GET', url: `/instances/${world.instanceId}/orgs/${other}/invites`, headers: world.auth })).statusCode, 502)
  })

  test('bad specs are 400 Validation', async (t) => {
    const app = await buildTestApp(t)
    const cases: Array<[unknown, string]> = [
      [undefined, 'fault is required'],
      [{ status: 500 }, 'fault.path is required'],
      [{ path: '*', status: 600 }, 'fault.status is more than maximum'],
      [{ path: '*', times: 0, status: 500 }, 'fault.times is less than minimum'],
      [{ path: '*', delayMs: 60_001 }, 'fault.delayMs is more than maximum'],
      [{ path: '*', reset: false }, 'fault.reset must be an enum value'],
      [{ path: '*', orgId: 'x', status: 500 }, 'fault.orgId pattern mismatch'],
      [{ path: '*' }, 'a fault needs delayMs, status or reset'],
      [{ path: '*', reset: true, status: 500 }, 'reset cannot be combined with status or body'],
      [{ path: '*', body: {} }, 'body needs a status'],
      [{ path: '*', status: 204 }, 'status below 400 needs a body']
    ]
    for (const [payload, message] of cases) {
      const response = await app.inject({ method: 'POST', url: '/_emulator/faults', ...(payload === undefined ? {} : { payload: payload as object }) })
      assert.deepEqual([response.statusCode, response.json()], [400, { type: 'Validation', message }], message)
    }
    assert.deepEqual(expectStatus(await app.inject({ method: 'GET', url: '/_emulator/faults' }), 200).json(), [])
  })

  test('DELETE one, DELETE all, unknown id 404; reset clears faults', async (t) => {
    const world = await buildWorld(t)
    const one = expectStatus(await world.app.inject({ method: 'POST', url: '/_emulator/faults', payload: { path: '*', status: 500 } }), 201).json()
    expectStatus(await world.app.inject({ method: 'POST', url: '/_emulator/faults', payload: { path: '*', status: 502 } }), 201)
    assert.deepEqual(expectStatus(await world.app.inject({ method: 'DELETE', url: `/_emulator/faults/${one.id}` }), 200).json(), { success: true })
    const gone = await world.app.inject({ method: 'DELETE', url: `/_emulator/faults/${one.id}` })
    assert.deepEqual([gone.statusCode, gone.json()], [404, { type: 'NotFound', message: 'Fault was not found' }])
    assert.deepEqual(expectStatus(await world.app.inject({ method: 'DELETE', url: '/_emulator/faults' }), 200).json(), { success: true, removed: 1 })

    expectStatus(await world.app.inject({ method: 'POST', url: '/_emulator/faults', payload: { path: '*', status: 500 } }), 201)
    expectStatus(await world.app.inject({ method: 'POST', url: '/_emulator/reset' }), 200)
    assert.deepEqual(expectStatus(await world.app.inject({ method: 'GET', url: '/_emulator/faults' }), 200).json(), [])
    assert.deepEqual(expectStatus(await world.app.inject({ method: 'GET', url: '/_emulator/requests' }), 200).json(), [])
  })

  test('admin policy; the routes are in the OpenAPI document under the control tag', async (t) => {
    const app = await buildTestApp(t, { adminToken: 'adm' })
    assert.equal((await app.inject({ method: 'POST', url: '/_emulator/faults', payload: { path: '*', status: 500 } })).statusCode, 401)
    assert.equal((await app.inject({ method: 'GET', url: '/_emulator/faults' })).statusCode, 401)
    assert.equal((await app.inject({ method: 'DELETE', url: '/_emulator/faults/f1' })).statusCode, 401)
    const doc = expectStatus(await app.inject({ method: 'GET', url: '/_emulator/openapi.json' }), 200).json()
    const operations: Array<[string, string]> = [
      ['/_emulator/requests', 'get'], ['/_emulator/requests', 'delete'],
      ['/_emulator/faults', 'post'], ['/_emulator/faults', 'get'], ['/_emulator/faults', 'delete'], ['/_emulator/faults/{faultId}', 'delete']
    ]
    for (const [path, method] of operations) assert.deepEqual(doc.paths[path]?.[method]?.tags, ['control'], `${method} ${path}`)
    assert.ok(doc.paths['/_emulator/requests'].get.parameters.some((p: any) => p.name === 'orgId' && p.in === 'query'))
  })
})
