import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { connect, type AddressInfo } from 'node:net'
import { describe, test } from 'node:test'
import { buildTestApp, buildWorld, expectStatus, postInvite } from './helper.js'

describe('HTTP edges, each answered in Losant\'s error shape', () => {
  test('unknown path: 404 "<path> does not exist", without the query', async (t) => {
    const app = await buildTestApp(t)
    const response = await app.inject({ method: 'GET', url: '/instances/abc?x=1' })
    assert.equal(response.statusCode, 404)
    assert.deepEqual(response.json(), { type: 'NotFound', message: '/instances/abc does not exist' })
  })

  test('known path, wrong method: 405 with an Allow header', async (t) => {
    const world = await buildWorld(t)
    for (const method of ['PUT', 'PATCH', 'DELETE'] as const) {
      const response = await world.app.inject({ method, url: world.invitesPath, headers: world.auth })
      assert.equal(response.statusCode, 405)
      assert.equal(response.headers.allow, 'GET, HEAD, POST')
      assert.deepEqual(response.json(), { type: 'MethodNotAllowed', message: `${method} is not allowed` })
    }
  })

  test('OPTIONS that is not a CORS preflight: 405 on a known path, 404 elsewhere, in Losant\'s shape', async (t) => {
    const world = await buildWorld(t)
    const known = await world.app.inject({ method: 'OPTIONS', url: world.invitesPath })
    assert.deepEqual([known.statusCode, known.headers.allow, known.json()], [405, 'GET, HEAD, POST', { type: 'MethodNotAllowed', message: 'OPTIONS is not allowed' }])
    const unknown = await world.app.inject({ method: 'OPTIONS', url: '/nope', headers: { origin: 'http://localhost:3000' } })
    assert.deepEqual([unknown.statusCode, unknown.json()], [404, { type: 'NotFound', message: '/nope does not exist' }])
  })

  test('a trailing slash reaches the same route', async (t) => {
    const world = await buildWorld(t)
    for (const email of ['b@x.io', 'a@x.io']) {
      expectStatus(await world.app.inject({ method: 'POST', url: `${world.invitesPath}/`, headers: world.auth, payload: { email, role: 'view' } }), 201)
    }
    const query = '?sortField=email&sortDirection=asc'
    const slashed = expectStatus(await world.app.inject({ method: 'GET', url: `${world.invitesPath}/${query}`, headers: world.auth }), 200)
    assert.deepEqual(slashed.json().items.map((i: any) => i.email), ['a@x.io', 'b@x.io'])
    assert.equal(slashed.json()._links.self.href, world.invitesPath)
    const plain = expectStatus(await world.app.inject({ method: 'GET', url: `${world.invitesPath}${query}`, headers: world.auth }), 200)
    assert.deepEqual(slashed.json(), plain.json())
    const inviteId = slashed.json().items[0].id
    const one = expectStatus(await world.app.inject({ method: 'GET', url: `${world.invitesPath}/${inviteId}/`, headers: world.auth }), 200)
    assert.deepEqual([one.json().id, one.json().email], [inviteId, 'a@x.io'])
  })

  test('malformed JSON: 400', async (t) => {
    const world = await buildWorld(t)
    const response = await world.app.inject({ method: 'POST', url: world.invitesPath, headers: { ...world.auth, 'content-type': 'application/json' }, payload: '{"email":' })
    assert.equal(response.statusCode, 400)
    assert.deepEqual(response.json(), { type: 'Validation', message: 'Request body is not valid JSON' })
  })

  test('JSON nested deeper than 64 levels: 400 before anything holds it; 64 levels are parsed', async (t) => {
    const world = await buildWorld(t)
    const deep = await world.app.inject({ method: 'POST', url: world.invitesPath, headers: { ...world.auth, 'content-type': 'application/json' }, payload: '['.repeat(100_000) + ']'.repeat(100_000) })
    assert.deepEqual([deep.statusCode, deep.json()], [400, { type: 'Validation', message: 'Request body is nested more than 64 levels deep' }])
    // Brackets inside strings are not nesting.
    const strings = await world.app.inject({ method: 'POST', url: world.invitesPath, headers: { ...world.auth, 'content-type': 'application/json' }, payload: JSON.stringify({ email: '[{'.repeat(200) + '"\\@b', role: 'view' }) })
    assert.equal(strings.statusCode, 201)
    const atLimit = await world.app.inject({ method: 'POST', url: world.invitesPath, headers: { ...world.auth, 'content-type': 'application/json' }, payload: '['.repeat(64) + ']'.repeat(64) })
    assert.deepEqual(atLimit.json(), { type: 'Validation', message: 'invite is the wrong type' })
    // The journal, which keeps bodies, still lists.
    expectStatus(await world.app.inject({ method: 'GET', url: '/_emulator/requests' }), 200)
  })

  test('a body that is not JSON: 415', async (t) => {
    const world = await buildWorld(t)
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const response = await world.app.inject({ method: 'POST', url: world.invitesPath, headers: { ...world.auth, 'content-type': contentType }, payload: 'email=a@b' })
      assert.equal(response.statusCode, 415, contentType)
      assert.deepEqual(Object.keys(response.json()), ['type', 'message'])
      assert.equal(response.json().type, 'UnsupportedMediaType')
    }
  })

  test('an empty body is no body, whatever its content type: required bodies are missing, others ignored', async (t) => {
    const world = await buildWorld(t)
    const invite = expectStatus(await postInvite(world, { email: 'a@b.co', role: 'view' }), 201).json().items[0]
    const invitePath = `${world.invitesPath}/${invite.id}`
    for (const contentType of ['application/x-www-form-urlencoded', 'text/plain', 'application/xml', 'application/json', 'multipart/form-data; boundary=x']) {
      const headers = { ...world.auth, 'content-type': contentType, 'content-length': '0' }
      const post = await world.app.inject({ method: 'POST', url: world.invitesPath, headers })
      assert.deepEqual([post.statusCode, post.json()], [400, { type: 'Validation', message: 'invite is required' }], contentType)
      const resend = await world.app.inject({ method: 'POST', url: invitePath, headers })
      assert.deepEqual([resend.statusCode, resend.json()], [400, { type: 'Validation', message: 'roleInfo is required' }], contentType)
      const accept = await world.app.inject({ method: 'POST', url: '/invites', headers: { 'content-type': contentType, 'content-length': '0' } })
      assert.deepEqual([accept.statusCode, accept.json()], [400, { type: 'Validation', message: 'invite is required' }], contentType)
      // Where no body is read, an empty one changes nothing.
      expectStatus(await world.app.inject({ method: 'GET', url: invitePath, headers }), 200)
      expectStatus(await world.app.inject({ method: 'POST', url: '/_emulator/instances', headers: { 'content-type': contentType, 'content-length': '0' } }), 201)
    }
    expectStatus(await world.app.inject({ method: 'DELETE', url: invitePath, headers: { ...world.auth, 'content-type': 'text/plain', 'content-length': '0' } }), 200)
  })

  test('an empty body is no body over HTTP too: Content-Length 0, or neither it nor Transfer-Encoding', async (t) => {
    const world = await buildWorld(t)
    await world.app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = world.app.server.address() as AddressInfo
    const answer = async (head: string): Promise<string> => await new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.end(`POST ${world.invitesPath} HTTP/1.1\r\nHost: x\r\nAuthorization: ${world.auth.authorization}\r\n${head}Connection: close\r\n\r\n`))
      let text = ''
      socket.on('data', (chunk) => { text += chunk.toString() })
      socket.on('end', () => resolve(text))
      socket.on('error', reject)
    })
    for (const head of ['Content-Type: text/plain\r\nContent-Length: 0\r\n', 'Content-Type: application/x-www-form-urlencoded\r\n']) {
      const text = await answer(head)
      assert.match(text, /^HTTP\/1\.1 400 /, head)
      assert.ok(text.endsWith('{"type":"Validation","message":"invite is required"}'), text)
    }
    // A chunked body may hold bytes: refused unread, as any body of another type.
    assert.match(await answer('Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n'), /^HTTP\/1\.1 415 /)
  })

  test('a body over the limit: 413', async (t) => {
    const world = await buildWorld(t, { bodyLimit: 1000 })
    const response = await world.app.inject({ method: 'POST', url: world.invitesPath, headers: world.auth, payload: { email: `${'a'.repeat(2000)}@b`, role: 'view' } })
    assert.equal(response.statusCode, 413)
    assert.deepEqual(response.json(), { type: 'PayloadTooLarge', message: 'Request body is larger than the limit of 1000 bytes' })
  })

  test('a path param longer than any id still reaches validation', async (t) => {
    const world = await buildWorld(t)
    const response = await world.app.inject({ method: 'GET', url: `/instances/${'a'.repeat(2000)}/orgs/${world.orgId}/invites` })
    assert.deepEqual(response.json(), { type: 'Validation', message: 'instanceId pattern mismatch' })
  })

  test('GET /_emulator/health answers ok and the version', async (t) => {
    const app = await buildTestApp(t)
    const response = await app.inject({ method: 'GET', url: '/_emulator/health' })
    assert.equal(response.statusCode, 200)
    assert.deepEqual(response.json(), { status: 'ok', version: JSON.parse(readFileSync('package.json', 'utf8')).version })
  })
})
