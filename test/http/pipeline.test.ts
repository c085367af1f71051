import assert from 'node:assert/strict'
import { connect, type AddressInfo } from 'node:net'
import { describe, test } from 'node:test'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { REQUEST_STEPS } from '../../src/http/pipeline.js'
import { buildTestApp, buildWorld, expectStatus, mintToken, type World } from '../helper.js'

const FORBIDDEN = { type: 'Forbidden', message: 'Access is forbidden' }

describe('order of checks: validate, authenticate, authorize, look up', () => {
  test('a malformed id is 400 even without a token', async (t) => {
    const world = await buildWorld(t)
    const response = await world.app.inject({ method: 'GET', url: `/instances/nope/orgs/${world.orgId}/invites` })
    assert.equal(response.statusCode, 400)
    assert.deepEqual(response.json(), { type: 'Validation', message: 'instanceId pattern mismatch' })
  })

  test('path params before query before body', async (t) => {
    const world = await buildWorld(t)
    const bad = await world.app.inject({ method: 'GET', url: `/instances/${world.instanceId}/orgs/nope/invites?sortField=x` })
    assert.deepEqual(bad.json(), { type: 'Validation', message: 'orgId pattern mismatch' })
    const queryFirst = await world.app.inject({ method: 'POST', url: `${world.invitesPath}?sortField=x`, payload: { role: 'view' } })
    assert.deepEqual(queryFirst.json(), { type: 'Validation', message: 'invite.email is required' })
  })

  test('a well-formed request without a token is 403, even for an unknown instance', async (t) => {
    const world = await buildWorld(t)
    const response = await world.app.inject({ method: 'GET', url: '/instances/aaaaaaaaaaaaaaaaaaaaaaaa/orgs/bbbbbbbbbbbbbbbbbbbbbbbb/invites' })
    assert.deepEqual([response.statusCode, response.json()], [403, FORBIDDEN])
  })

  test('an invalid token is 401 before the scope check; a scope failure is 403 before the 404', async (t) => {
    const world = await buildWorld(t)
    const unknown = '/instances/aaaaaaaaaaaaaaaaaaaaaaaa/orgs/bbbbbbbbbbbbbbbbbbbbbbbb/invites'
    const invalid = await world.app.inject({ method: 'GET', url: unknown, headers: { authorization: 'Bearer nope' } })
    assert.deepEqual([invalid.statusCode, invalid.json()], [401, { type: 'Unauthorized', message: 'Invalid access token' }])
    const token = await mintToken(world.app, ['devices.get'])
    const noScope = await world.app.inject({ method: 'GET', url: unknown, headers: { authorization: `Bearer ${token}` } })
    assert.deepEqual([noScope.statusCode, noScope.json()], [403, FORBIDDEN])
    const lookUp = await world.app.inject({ method: 'GET', url: unknown, headers: world.auth })
    assert.deepEqual([lookUp.statusCode, lookUp.json()], [404, { type: 'NotFound', message: 'Instance was not found' }])
  })
})

describe('the control plane behind an admin token', () => {
  test('without the token, 401 before the body is read or parsed: bad JSON, another type, too large, too deep', async (t) => {
    const app = await buildTestApp(t, { adminToken: 'adm', bodyLimit: 1000 })
    const bodies: Array<[string, string]> = [
      ['application/json', '{"scope":'],
      ['application/json', '['.repeat(100) + ']'.repeat(100)],
      ['text/plain', 'scope=all.Instance'],
      ['application/json', JSON.stringify({ scope: ['x'.repeat(2000)] })]
    ]
    for (const [contentType, payload] of bodies) {
      for (const authorization of [undefined, 'Bearer wrong']) {
        const headers = { 'content-type': contentType, ...(authorization === undefined ? {} : { authorization }) }
        const response = await app.inject({ method: 'POST', url: '/_emulator/tokens', headers, payload })
        assert.deepEqual([response.statusCode, response.json().type], [401, 'Unauthorized'], `${contentType} ${payload.slice(0, 20)} ${authorization}`)
      }
    }
    // With it, the body's own errors, in the usual order.
    const auth = { authorization: 'Bearer adm' }
    const malformed = await app.inject({ method: 'POST', url: '/_emulator/tokens', headers: { ...auth, 'content-type': 'application/json' }, payload: '{"scope":' })
    assert.deepEqual([malformed.statusCode, malformed.json().message], [400, 'Request body is not valid JSON'])
    const plain = await app.inject({ method: 'POST', url: '/_emulator/tokens', headers: { ...auth, 'content-type': 'text/plain' }, payload: 'x' })
    assert.equal(plain.statusCode, 415)
    const large = await app.inject({ method: 'POST', url: '/_emulator/tokens', headers: auth, payload: { scope: ['x'.repeat(2000)] } })
    assert.equal(large.statusCode, 413)
  })

  test('over real HTTP, a large body without the token is answered 401 without waiting for it', async (t) => {
    const app = await buildTestApp(t, { adminToken: 'adm' })
    await app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = app.server.address() as AddressInfo
    // Headers only: the 100 MB the request announces never come.
    const text = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write('PUT /_emulator/snapshot HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n{'))
      const timer = setTimeout(() => {
        socket.destroy()
        reject(new Error('no answer in 5 s: the server waits for the body'))
      }, 5000)
      let received = ''
      socket.on('data', (chunk) => {
        received += chunk.toString()
        if (received.includes('}')) {
          clearTimeout(timer)
          socket.destroy()
          resolve(received)
        }
      })
      socket.on('error', reject)
    })
    assert.match(text, /^HTTP\/1\.1 401 /)
    assert.match(text, /"type":"Unauthorized"/)
  })
})

/**
 * One request per boundary of the pipeline's order (REQUEST_STEPS), which fails both steps
 * beside it: the earlier step's answer (docs/API.md, order of checks and errors) must win.
 * A step added, removed or moved without its boundaries here fails the first test.
 */
const UNKNOWN = '/instances/aaaaaaaaaaaaaaaaaaaaaaaa/orgs/bbbbbbbbbbbbbbbbbbbbbbbb/invites'
interface Apps extends World {
  /** The same emulator behind an admin token. */
  guarded: FastifyInstance
}
const BOUNDARIES: Record<string, (apps: Apps) => Promise<{ response: LightMyRequestResponse, status: number, type: string }>> = {
  'origin > options': async ({ app, invitesPath }) => ({
    // A Host that is not allowed (DNS rebinding) on an OPTIONS that is no preflight.
    response: await app.inject({ method: 'OPTIONS', url: invitesPath, headers: { host: 'evil.example:8080' } }),
    status: 403,
    type: 'Forbidden'
  }),
  'options > cors': async ({ app, invitesPath }) => ({
    // An Origin without Access-Control-Request-Method: no preflight, so any method the path lacks.
    response: await app.inject({ method: 'OPTIONS', url: invitesPath, headers: { origin: 'http://localhost:5173' } }),
    status: 405,
    type: 'MethodNotAllowed'
  }),
  'cors > admin token': async ({ guarded }) => ({
    // A preflight carries no credentials: it is answered before the admin token is asked for.
    response: await guarded.inject({ method: 'OPTIONS', url: '/_emulator/tokens', headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' } }),
    status: 204,
    type: ''
  }),
  'admin token > body': async ({ guarded }) => ({
    response: await guarded.inject({ method: 'POST', url: '/_emulator/tokens', headers: { 'content-type': 'application/json' }, payload: '{"scope":' }),
    status: 401,
    type: 'Unauthorized'
  }),
  'body > fault': async ({ app, invitesPath, auth }) => ({
    response: await app.inject({ method: 'POST', url: invitesPath, headers: { ...auth, 'content-type': 'application/json' }, payload: '{"email":' }),
    status: 400,
    type: 'Validation'
  }),
  'fault > validation': async ({ app }) => ({
    response: await app.inject({ method: 'GET', url: '/instances/nope/orgs/nope/invites' }),
    status: 503,
    type: 'ServiceUnavailable'
  }),
  'validation > authentication': async ({ app, invitesPath }) => ({
    response: await app.inject({ method: 'GET', url: `${invitesPath}?sortField=nope`, headers: { authorization: 'Bearer nope' } }),
    status: 400,
    type: 'Validation'
  }),
  'authentication > authorization': async ({ app }) => ({
    // A token that is not valid grants no scope either: 401, not 403.
    response: await app.inject({ method: 'GET', url: UNKNOWN, headers: { authorization: 'Bearer nope' } }),
    status: 401,
    type: 'Unauthorized'
  }),
  'authorization > look-up': async ({ app }) => ({
    response: await app.inject({ method: 'GET', url: UNKNOWN, headers: { authorization: `Bearer ${await mintToken(app, ['devices.get'])}` } }),
    status: 403,
    type: 'Forbidden'
  })
}

describe('the pipeline, read back in its order', () => {
  test('the steps, in the order the contract and docs/API.md state', () => {
    assert.deepEqual([...REQUEST_STEPS], [
      'origin', 'options', 'cors', 'admin token', 'body', 'fault', 'validation', 'authentication', 'authorization', 'look-up'
    ])
    const boundaries = REQUEST_STEPS.slice(1).map((step, i) => `${REQUEST_STEPS[i]!} > ${step}`)
    assert.deepEqual(Object.keys(BOUNDARIES), boundaries)
  })

  test('at every boundary, a request failing both steps gets the earlier step\'s answer', async (t) => {
    const world = await buildWorld(t)
    const guarded = await buildTestApp(t, { adminToken: 'adm', corsOrigins: ['http://localhost:5173'] })
    // Faults for the two boundaries beside the fault step; the body's request must not use its own.
    expectStatus(await world.app.inject({ method: 'POST', url: '/_emulator/faults', payload: { method: 'POST', path: world.invitesPath, status: 500 } }), 201)
    expectStatus(await world.app.inject({ method: 'POST', url: '/_emulator/faults', payload: { method: 'GET', path: '/instances/nope/**', status: 503 } }), 201)
    for (const [boundary, run] of Object.entries(BOUNDARIES)) {
      const { response, status, type } = await run({ ...world, guarded })
      assert.equal(response.statusCode, status, `${boundary}: ${response.body}`)
      if (type !== '') assert.equal(response.json().type, type, boundary)
    }
    // The POST fault is still there: a body that cannot be read uses no fault.
    const faults = expectStatus(await world.app.inject({ method: 'GET', url: '/_emulator/faults' }), 200).json() as Array<{ status: number, remaining: number }>
    assert.deepEqual(faults.map(({ status, remaining }) => [status, remaining]), [[500, 1], [503, 0]])
  })
})
