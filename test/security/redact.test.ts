import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { describe, test, type TestContext } from 'node:test'
import type { FastifyInstance, InjectOptions } from 'fastify'
import pino from 'pino'
import { buildTestApp, expectStatus } from '../helper.js'

/**
 * No secret in the log or the request journal (README: request journal; docs/SECURITY.md):
 * credentials in headers, bearer tokens and invite tokens in the query or the body,
 * whatever the method, path or status, however the name is encoded or repeated.
 */

const I = '575ec8687ae143cd83dc4a97'
const O = '575ec8687ae143cd83dc4a98'
const INVITES = `/instances/${I}/orgs/${O}/invites`
const SECRET = 's3cr3t-value-4c8f1e'
const SEED = {
  instances: [{ id: I, orgs: [{ id: O, invites: [{ email: 'ann@example.com', role: 'view' as const, token: SECRET }] }] }],
  tokens: [{ token: SECRET, scope: ['all.Instance'] }]
}

interface Seen {
  /** The journal's one entry, as GET /_emulator/requests lists it. */
  entry: Record<string, any>
  /** Every log line written for it. */
  log: string
}

/** Sends one request; answers what the journal and the log kept of it, having checked the secret is in neither. */
async function send (t: TestContext, request: InjectOptions, secret = SECRET): Promise<Seen> {
  const lines: string[] = []
  const sink = new Writable({ write (chunk, _encoding, done) { lines.push(String(chunk)); done() } })
  const app: FastifyInstance = await buildTestApp(t, { seed: SEED, loggerInstance: pino({ level: 'trace' }, sink) })
  await app.inject(request)
  const log = lines.join('')
  const entries = expectStatus(await app.inject({ method: 'GET', url: '/_emulator/requests' }), 200).json()
  assert.equal(entries.length, 1)
  assert.ok(!JSON.stringify(entries).includes(secret), `the journal holds the secret: ${JSON.stringify(entries)}`)
  assert.ok(!log.includes(secret), `the log holds the secret: ${log}`)
  assert.ok(log.includes('"msg":"request"'), 'the request was logged')
  return { entry: entries[0], log }
}

describe('secrets stay out of the journal and the log: headers', () => {
  test('Cookie', async (t) => {
    const { entry } = await send(t, { method: 'GET', url: INVITES, headers: { cookie: `session=${SECRET}; theme=dark` } })
    assert.equal(entry.headers.cookie, '[redacted]')
  })

  test('Set-Cookie sent by a client', async (t) => {
    const { entry } = await send(t, { method: 'GET', url: INVITES, headers: { 'set-cookie': `session=${SECRET}` } })
    // A list over HTTP, a string through inject.
    assert.deepEqual([entry.headers['set-cookie']].flat(), ['[redacted]'])
  })

  test('X-Api-Key', async (t) => {
    const { entry } = await send(t, { method: 'POST', url: '/nope', headers: { 'x-api-key': SECRET } })
    assert.equal(entry.headers['x-api-key'], '[redacted]')
  })

  test('Proxy-Authorization keeps its scheme', async (t) => {
    const { entry } = await send(t, { method: 'GET', url: INVITES, headers: { 'proxy-authorization': `Basic ${SECRET}` } })
    assert.equal(entry.headers['proxy-authorization'], 'Basic [redacted]')
  })

  test('Authorization keeps its scheme, on any path', async (t) => {
    const { entry } = await send(t, { method: 'GET', url: '/invites?email=a@b.c&token=x', headers: { authorization: `Bearer ${SECRET}` } })
    assert.equal(entry.headers.authorization, 'Bearer [redacted]')
  })
})

describe('secrets stay out of the journal and the log: the invite token', () => {
  test('PUT /invites?token= (405)', async (t) => {
    const { entry, log } = await send(t, { method: 'PUT', url: `/invites?token=${SECRET}&email=ann%40example.com` })
    assert.equal(entry.status, 405)
    assert.deepEqual(entry.query, { token: '[redacted]', email: 'ann@example.com' })
    assert.match(log, /"url":"\/invites\?token=\[redacted\]&email=ann%40example.com"/)
  })

  test('GET /invites?%74oken= (a percent-encoded name)', async (t) => {
    const { entry, log } = await send(t, { method: 'GET', url: `/invites?%74oken=${SECRET}&email=ann%40example.com` })
    assert.equal(entry.status, 200, 'the router reads the name as token')
    assert.deepEqual(entry.query, { token: '[redacted]', email: 'ann@example.com' })
    assert.match(log, /"url":"\/invites\?%74oken=\[redacted\]&email=ann%40example.com"/)
  })

  test('a repeated token parameter, and one in another case', async (t) => {
    const { entry, log } = await send(t, { method: 'GET', url: `/invites?token=${SECRET}&email=a%40b.c&token=${SECRET}x&TOKEN=${SECRET}y` })
    assert.deepEqual(entry.query, { token: ['[redacted]', '[redacted]'], email: 'a@b.c', TOKEN: '[redacted]' })
    assert.match(log, /"url":"\/invites\?token=\[redacted\]&email=a%40b.c&token=\[redacted\]&TOKEN=\[redacted\]"/)
  })

  test('POST /invites: the body\'s token', async (t) => {
    const { entry } = await send(t, { method: 'POST', url: '/invites', payload: { email: 'ann@example.com', token: SECRET, accept: true } })
    assert.equal(entry.status, 200)
    assert.deepEqual(entry.body, { email: 'ann@example.com', token: '[redacted]', accept: true })
  })

  test('PATCH /invites/ (405, a trailing slash): the body\'s token', async (t) => {
    const { entry } = await send(t, { method: 'PATCH', url: '/invites/', payload: { email: 'ann@example.com', token: SECRET } })
    assert.equal(entry.status, 405)
    assert.deepEqual(entry.body, { email: 'ann@example.com', token: '[redacted]' })
  })

  test('an invalid body to /invites (400): its token', async (t) => {
    const { entry } = await send(t, { method: 'POST', url: '/invites', payload: { email: 'ann@example.com', token: SECRET, accept: 'yes' } })
    assert.equal(entry.status, 400)
    assert.equal(entry.body.token, '[redacted]')
  })
})

describe('secrets stay out of the journal and the log: bearer tokens in the query', () => {
  test('access_token and jwt, percent-encoded names included, on a Losant route', async (t) => {
    for (const name of ['access_token', '%61ccess_token', 'jwt', 'j%77t']) {
      const { entry, log } = await send(t, { method: 'GET', url: `${INVITES}?${name}=${SECRET}&sortField=email` })
      assert.equal(entry.status, 200, `${name}: the router reads it as the token`)
      assert.deepEqual(entry.token, { scope: ['all.Instance'] })
      assert.equal(entry.query.sortField, 'email')
      assert.ok(log.includes(`"url":"${INVITES}?${name}=[redacted]&sortField=email"`), log)
    }
  })

  test('in the bracket forms, which the query parser reads as the parameter (a list): refused, and redacted', async (t) => {
    for (const name of ['access_token[]', 'jwt[0]', 'access_token%5B%5D', 'jwt%5b0%5d']) {
      const { entry, log } = await send(t, { method: 'GET', url: `${INVITES}?${name}=${SECRET}&sortField=email` })
      assert.equal(entry.status, 401, `${name}: a list of tokens is not a token`)
      assert.equal(entry.query.sortField, 'email')
      assert.ok(log.includes(`"url":"${INVITES}?${name}=[redacted]&sortField=email"`), log)
    }
  })

  test('on an unknown path (404)', async (t) => {
    const { entry, log } = await send(t, { method: 'DELETE', url: `/nope?access_token=${SECRET}` })
    assert.equal(entry.status, 404)
    assert.deepEqual(entry.query, { access_token: '[redacted]' })
    assert.match(log, /"url":"\/nope\?access_token=\[redacted\]"/)
  })
})
