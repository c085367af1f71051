import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { describe, test } from 'node:test'
import pino from 'pino'
import type { Snapshot } from '../../../src/schemas/snapshot.js'
import { buildTestApp, buildWorld, createInstance, createOrg, expectStatus, postInvite } from '../../helper.js'

const I = '575ec8687ae143cd83dc4a97'
const O = '575ec8687ae143cd83dc4a98'
const INVITE = '575ec8687ae143cd83dc4a99'

const SEED: Snapshot = {
  instances: [{
    id: I,
    name: 'Seeded',
    orgs: [{
      id: O,
      name: 'Acme',
      invites: [
        { id: INVITE, email: 'Old@Example.com', role: 'admin', inviteDate: '2020-01-01T00:00:00.000Z', ttl: 1000 },
        { email: 'new@example.com', role: 'view', disallowTransfer: true }
      ]
    }]
  }],
  tokens: [
    { token: 'static-reader', scope: ['instanceOrgInvites.get'] },
    { token: 'static-bound', scope: ['all.Instance'], instanceId: 'bbbbbbbbbbbbbbbbbbbbbbbb' }
  ]
}
const SEEDED_PATH = `/instances/${I}/orgs/${O}/invites`

describe('control plane: instances and orgs', () => {
  test('POST /_emulator/instances: generated id and default name, given id and name, taken id 409', async (t) => {
    const app = await buildTestApp(t)
    const generated = await createInstance(app)
    assert.match(generated.id, /^[0-9a-f]{24}$/)
    assert.ok(generated.name.length > 0)
    const given = await createInstance(app, { id: I.toUpperCase(), name: 'Mine' })
    assert.deepEqual(given, { id: I, name: 'Mine' })
    const taken = await app.inject({ method: 'POST', url: '/_emulator/instances', payload: { id: I } })
    assert.equal(taken.statusCode, 409)
    assert.deepEqual(taken.json(), { type: 'Conflict', message: `Instance ${I} already exists` })
    const bad = await app.inject({ method: 'POST', url: '/_emulator/instances', payload: { id: 'x' } })
    assert.deepEqual(bad.json(), { type: 'Validation', message: 'id pattern mismatch' })
    const empty = await app.inject({ method: 'POST', url: '/_emulator/instances', payload: { name: '' } })
    assert.deepEqual(empty.json(), { type: 'Validation', message: 'name has less length than allowed' })
  })

  test('orgs: unknown instance 404, taken id 409; GET lists instances with their orgs; DELETE cascades', async (t) => {
    const world = await buildWorld(t)
    const unknown = await world.app.inject({ method: 'POST', url: '/_emulator/instances/aaaaaaaaaaaaaaaaaaaaaaaa/orgs', payload: {} })
    assert.deepEqual([unknown.statusCode, unknown.json()], [404, { type: 'NotFound', message: 'Instance was not found' }])
    const taken = await world.app.inject({ method: 'POST', url: `/_emulator/instances/${world.instanceId}/orgs`, payload: { id: world.orgId } })
    assert.equal(taken.statusCode, 409)
    const second = await createOrg(world.app, world.instanceId, { name: 'Second' })
    expectStatus(await postInvite(world, { email: 'a@b', role: 'view' }), 201)

    const listed = expectStatus(await world.app.inject({ method: 'GET', url: '/_emulator/instances' }), 200).json()
    assert.equal(listed.length, 1)
    assert.deepEqual(listed[0].orgs.map((o: any) => o.id), [world.orgId, second.id])

    expectStatus(await world.app.inject({ method: 'DELETE', url: `/_emulator/instances/${world.instanceId}/orgs/${world.orgId}` }), 200)
    const gone = await world.app.inject({ method: 'GET', url: world.invitesPath, headers: world.auth })
    assert.deepEqual(gone.json(), { type: 'NotFound', message: 'Organization was not found' })
    const again = await world.app.inject({ method: 'DELETE', url: `/_emulator/instances/${world.instanceId}/orgs/${world.orgId}` })
    assert.deepEqual([again.statusCode, again.json()], [404, { type: 'NotFound', message: 'Organization was not found' }])

    assert.deepEqual(expectStatus(await world.app.inject({ method: 'DELETE', url: `/_emulator/instances/${world.instanceId}` }), 200).json(), { success: true })
    assert.deepEqual(expectStatus(await world.app.inject({ method: 'GET', url: '/_emulator/instances' }), 200).json(), [])
    const snapshot = expectStatus(await world.app.inject({ method: 'GET', url: '/_emulator/snapshot' }), 200).json()
    assert.deepEqual(snapshot.instances, [])
    const missing = await world.app.inject({ method: 'DELETE', url: `/_emulator/instances/${world.instanceId}` })
    assert.equal(missing.statusCode, 404)
  })
})

describe('control plane: seed, snapshot, reset', () => {
  test('a seed fills a new database: invites with their fields, an old inviteDate reads hasExpired', async (t) => {
    const app = await buildTestApp(t, { seed: SEED })
    const listed = expectStatus(await app.inject({ method: 'GET', url: `${SEEDED_PATH}?sortField=email&sortDirection=asc`, headers: { authorization: 'Bearer static-reader' } }), 200).json()
    assert.deepEqual(listed.items.map((i: any) => [i.email, i.role, i.hasExpired]), [['new@example.com', 'view', false], ['old@example.com', 'admin', true]])
    const old = listed.items[1]
    assert.deepEqual([old.id, old.inviteDate, old.ttl], [INVITE, '2020-01-01T00:00:00.000Z', 1000])
    assert.equal(listed.items[0].disallowTransfer, true)
    assert.equal(listed.items[0].ttl, 604800000)
  })

  test('seeded static tokens work with their scopes, and their instance binding', async (t) => {
    const app = await buildTestApp(t, { seed: SEED })
    const post = await app.inject({ method: 'POST', url: SEEDED_PATH, headers: { authorization: 'Bearer static-reader' }, payload: { email: 'x@y', role: 'view' } })
    assert.deepEqual([post.statusCode, post.json()], [403, { type: 'Forbidden', message: 'Access is forbidden' }])
    const bound = await app.inject({ method: 'GET', url: SEEDED_PATH, headers: { authorization: 'Bearer static-bound' } })
    assert.equal(bound.statusCode, 403)
    const query = await app.inject({ method: 'GET', url: `${SEEDED_PATH}?access_token=static-reader` })
    assert.equal(query.statusCode, 200)
  })

  test('GET snapshot is the seed format; PUT replaces the state exactly; reset returns to the seed', async (t) => {
    const app = await buildTestApp(t, { seed: SEED })
    const snapshot = expectStatus(await app.inject({ method: 'GET', url: '/_emulator/snapshot' }), 200).json()
    assert.equal(snapshot.instances[0].id, I)
    const [oldInvite, newInvite] = snapshot.instances[0].orgs[0].invites
    assert.deepEqual(Object.keys(oldInvite).sort(), ['email', 'id', 'inviteDate', 'role', 'token', 'ttl'])
    assert.equal(newInvite.disallowTransfer, true)
    assert.deepEqual(snapshot.tokens, SEED.tokens)

    // Change things, then restore the snapshot: back exactly, ids and tokens included.
    expectStatus(await app.inject({ method: 'DELETE', url: `/_emulator/instances/${I}` }), 200)
    expectStatus(await app.inject({ method: 'PUT', url: '/_emulator/snapshot', payload: snapshot }), 200)
    assert.deepEqual(expectStatus(await app.inject({ method: 'GET', url: '/_emulator/snapshot' }), 200).json(), snapshot)

    // A snapshot of something else, then reset: the seed again (fresh generated fields aside).
    expectStatus(await app.inject({ method: 'PUT', url: '/_emulator/snapshot', payload: { instances: [{ id: 'cccccccccccccccccccccccc' }] } }), 200)
    const replaced = expectStatus(await app.inject({ method: 'GET', url: '/_emulator/instances' }), 200).json()
    assert.deepEqual(replaced.map((i: any) => i.id), ['cccccccccccccccccccccccc'])
    const readerGone = await app.inject({ method: 'GET', url: SEEDED_PATH, headers: { authorization: 'Bearer static-reader' } })
    assert.equal(readerGone.statusCode, 401)
    assert.deepEqual(expectStatus(await app.inject({ method: 'POST', url: '/_emulator/reset' }), 200).json(), { success: true })
    const afterReset = expectStatus(await app.inject({ method: 'GET', url: `${SEEDED_PATH}?sortField=email&sortDirection=asc`, headers: { authorization: 'Bearer static-reader' } }), 200).json()
    assert.deepEqual(afterReset.items.map((i: any) => i.email), ['new@example.com', 'old@example.com'])
  })

  test('reset without a seed empties everything', async (t) => {
    const world = await buildWorld(t)
    expectStatus(await world.app.inject({ method: 'POST', url: '/_emulator/reset' }), 200)
    assert.deepEqual(expectStatus(await world.app.inject({ method: 'GET', url: '/_emulator/instances' }), 200).json(), [])
  })

  const badSnapshots: Array<[string, unknown, string]> = [
    ['not an object', [], 'body is the wrong type'],
    ['unknown key', { instances: [], extra: 1 }, 'body has additional properties (extra)'],
    ['bad instance id', { instances: [{ id: 'nope' }] }, 'instances.0.id pattern mismatch'],
    ['bad email', { instances: [{ id: I, orgs: [{ id: O, invites: [{ email: 'nope', role: 'view' }] }] }] }, 'instances.0.orgs.0.invites.0.email must be email format'],
    ['bad date', { instances: [{ id: I, orgs: [{ id: O, invites: [{ email: 'a@b', role: 'view', inviteDate: 'yesterday' }] }] }] }, 'instances.0.orgs.0.invites.0.inviteDate must be date-time format'],
    ['duplicate instance', { instances: [{ id: I }, { id: I.toUpperCase() }] }, `instances.1.id ${I.toUpperCase()} is listed twice`],
    ['duplicate email in an org', { instances: [{ id: I, orgs: [{ id: O, invites: [{ email: 'a@b', role: 'view' }, { email: 'A@B', role: 'edit' }] }] }] }, 'instances.0.orgs.0.invites.1.email A@B has two invites in its organization'],
    ['duplicate invite id across orgs', { instances: [{ id: I, orgs: [{ id: O, invites: [{ id: INVITE, email: 'a@b', role: 'view' }] }, { id: INVITE, invites: [{ id: INVITE, email: 'c@d', role: 'view' }] }] }] }, `instances.0.orgs.1.invites.0.id ${INVITE} is listed twice`],
    ['duplicate token', { tokens: [{ token: 't', scope: ['all.Instance'] }, { token: 't', scope: ['all.User'] }] }, 'tokens.1.token is listed twice'],
    ['empty scope', { tokens: [{ token: 't', scope: [] }] }, 'tokens.0.scope has less items than allowed']
  ]
  for (const [name, body, message] of badSnapshots) {
    test(`PUT snapshot, ${name}: 400 "${message}" and nothing changes`, async (t) => {
      const app = await buildTestApp(t, { seed: SEED })
      const before = expectStatus(await app.inject({ method: 'GET', url: '/_emulator/snapshot' }), 200).json()
      const response = await app.inject({ method: 'PUT', url: '/_emulator/snapshot', payload: body as object })
      assert.equal(response.statusCode, 400)
      assert.deepEqual(response.json(), { type: 'Validation', message })
      assert.deepEqual(expectStatus(await app.inject({ method: 'GET', url: '/_emulator/snapshot' }), 200).json(), before)
    })
  }

  test('the seed applies to a new database only, not when reopening one', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'emulator-seed-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    const db = join(dir, 'emulator.db')
    const first = await buildTestApp(t, { seed: SEED, db })
    expectStatus(await first.inject({ method: 'DELETE', url: `/_emulator/instances/${I}` }), 200)
    await first.close()
    const second = await buildTestApp(t, { seed: SEED, db })
    assert.deepEqual(expectStatus(await second.inject({ method: 'GET', url: '/_emulator/instances' }), 200).json(), [])
    // ...but reset still goes back to it.
    expectStatus(await second.inject({ method: 'POST', url: '/_emulator/reset' }), 200)
    assert.equal(expectStatus(await second.inject({ method: 'GET', url: '/_emulator/instances' }), 200).json().length, 1)
  })
})

describe('control plane: admin token, OpenAPI, CORS, logging', () => {
  test('with an admin token, the control plane requires it; health stays open; Losant routes are unaffected', async (t) => {
    const app = await buildTestApp(t, { adminToken: 's3cret', seed: SEED })
    assert.equal((await app.inject({ method: 'GET', url: '/_emulator/health' })).statusCode, 200)
    for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: 's3cret' }]) {
      const response = await app.inject({ method: 'GET', url: '/_emulator/snapshot', headers })
      assert.equal(response.statusCode, 401)
      assert.equal(response.json().type, 'Unauthorized')
    }
    const post = await app.inject({ method: 'POST', url: '/_emulator/tokens', payload: { scope: ['all.Instance'] } })
    assert.equal(post.statusCode, 401)
    // Without the admin token, even an invalid body is a 401: nothing is said about it.
    const invalid = await app.inject({ method: 'PUT', url: '/_emulator/snapshot', payload: { bogus: true } })
    assert.equal(invalid.statusCode, 401)
    assert.equal((await app.inject({ method: 'GET', url: '/_emulator/snapshot', headers: { authorization: 'Bearer s3cret' } })).statusCode, 200)
    assert.equal((await app.inject({ method: 'GET', url: SEEDED_PATH, headers: { authorization: 'Bearer static-reader' } })).statusCode, 200)
  })

  test('GET /_emulator/openapi.json documents the Losant routes and the control plane; /_emulator/docs serves a page', async (t) => {
    const app = await buildTestApp(t)
    const doc = expectStatus(await app.inject({ method: 'GET', url: '/_emulator/openapi.json' }), 200).json()
    assert.match(doc.openapi, /^3\./)
    for (const path of ['/instances/{instanceId}/orgs/{orgId}/invites', '/_emulator/instances', '/_emulator/snapshot', '/_emulator/reset', '/_emulator/tokens']) {
      assert.ok(doc.paths[path], path)
    }
    const get = doc.paths['/instances/{instanceId}/orgs/{orgId}/invites'].get
    assert.deepEqual(get.parameters.filter((p: any) => p.in === 'query').map((p: any) => p.name).sort(), ['_actions', '_embedded', '_links', 'filter', 'filterField', 'sortDirection', 'sortField'])
    const page = await app.inject({ method: 'GET', url: '/_emulator/docs/' })
    assert.equal(page.statusCode, 200)
    assert.match(page.headers['content-type'] as string, /text\/html/)
  })

  test('CORS: a browser on another origin may call the API with a token', async (t) => {
    const world = await buildWorld(t)
    const preflight = await world.app.inject({
      method: 'OPTIONS',
      url: world.invitesPath,
      headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' }
    })
    assert.equal(preflight.statusCode, 204)
    assert.equal(preflight.headers['access-control-allow-origin'], 'http://localhost:3000')
    assert.match(String(preflight.headers['access-control-allow-headers']), /authorization/)
    const get = await world.app.inject({ method: 'GET', url: world.invitesPath, headers: { ...world.auth, origin: 'http://localhost:3000' } })
    assert.equal(get.headers['access-control-allow-origin'], 'http://localhost:3000')
  })

  test('one log line per request with method, path, status and time; tokens never logged', async (t) => {
    const lines: string[] = []
    const sink = new Writable({ write (chunk, _enc, done) { lines.push(String(chunk)); done() } })
    const world = await buildWorld(t, { loggerInstance: pino({ level: 'info' }, sink) })
    lines.length = 0
    await world.app.inject({ method: 'GET', url: world.invitesPath, headers: world.auth })
    await world.app.inject({ method: 'GET', url: `${world.invitesPath}?access_token=${world.token}` })
    await world.app.inject({ method: 'GET', url: `${world.invitesPath}?jwt=${world.token}&sortField=email` })
    const requests = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request')
    assert.equal(requests.length, 3)
    assert.deepEqual(Object.keys(requests[0]).filter((k) => ['method', 'url', 'status', 'ms'].includes(k)).sort(), ['method', 'ms', 'status', 'url'])
    assert.equal(requests[0].status, 200)
    assert.equal(requests[2].url, `${world.invitesPath}?jwt=[redacted]&sortField=email`)
    const signature = world.token.split('.')[2]!
    assert.equal(lines.some((l) => l.includes(signature)), false)
  })
})

describe('control plane: bodies', () => {
  test('a required body that is missing is named: body is required', async (t) => {
    const app = await buildTestApp(t)
    const response = await app.inject({ method: 'POST', url: '/_emulator/tokens' })
    assert.deepEqual([response.statusCode, response.json()], [400, { type: 'Validation', message: 'body is required' }])
  })
})
