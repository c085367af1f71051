import assert from 'node:assert/strict'
import { createHmac, generateKeyPairSync } from 'node:crypto'
import { describe, test } from 'node:test'
import { createSigner } from 'fast-jwt'
import { buildTestApp, buildWorld, createInstance, expectStatus, type World } from '../helper.js'

/**
 * Attacks on tokens and on the control plane, beyond test/auth/tokens.test.ts (garbage,
 * tampered payload, `alg: none`, another key, RSA-signed, HMAC keyed with an RSA public
 * key, expiry by the clock, two places, another instance). "Validly signed but odd"
 * tokens are signed here with the database's own key, as only the emulator could.
 */
const FORBIDDEN = { type: 'Forbidden', message: 'Access is forbidden' }
const INVALID = { type: 'Unauthorized', message: 'Invalid access token' }
const EXPIRED = { type: 'Unauthorized', message: 'Access token has expired' }

function b64 (value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')
}

/** Signed with the emulator's own key by hand (fast-jwt's signer refuses odd claims such as a string `nbf`). */
function signWithStoreKey (world: World, payload: Record<string, unknown>, algorithm: 'HS256' | 'HS384' | 'HS512' = 'HS256'): string {
  const unsigned = `${b64({ alg: algorithm, typ: 'JWT' })}.${b64(payload)}`
  const hash = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }[algorithm]
  return `${unsigned}.${createHmac(hash, world.app.emulator.store.signingKey()).update(unsigned).digest('base64url')}`
}

/** The same attack on GET and on POST: both answer the same status and body. */
async function attempt (world: World, options: { headers?: Record<string, string>, query?: string }): Promise<{ status: number, body: unknown }> {
  const answers = []
  for (const method of ['GET', 'POST'] as const) {
    const response = await world.app.inject({
      method,
      url: `${world.invitesPath}${options.query ?? ''}`,
      headers: options.headers ?? {},
      ...(method === 'POST' ? { payload: { email: 'attacker@evil.test', role: 'admin' } } : {})
    })
    answers.push({ status: response.statusCode, body: response.json() })
  }
  assert.deepEqual(answers[0], answers[1], 'GET and POST agree')
  return answers[0]!
}

const bearer = (token: string): { headers: Record<string, string> } => ({ headers: { authorization: `Bearer ${token}` } })

describe('token attacks, each refused with the contract\'s status and body', () => {
  test('a token signed by hand with the store key works (the forging helper is sound)', async (t) => {
    const world = await buildWorld(t)
    assert.equal((await world.app.inject({ method: 'GET', url: world.invitesPath, ...bearer(signWithStoreKey(world, { scope: ['all.Instance'] })) })).statusCode, 200)
  })

  test('not yet valid (nbf in the future) is invalid; nbf in the past is fine', async (t) => {
    const world = await buildWorld(t)
    const now = Math.floor(Date.now() / 1000)
    assert.deepEqual(await attempt(world, bearer(signWithStoreKey(world, { scope: ['all.Instance'], nbf: now + 3600 }))), { status: 401, body: INVALID })
    assert.deepEqual(await attempt(world, bearer(signWithStoreKey(world, { scope: ['all.Instance'], nbf: String(now - 10) }))), { status: 401, body: INVALID })
    const ok = signWithStoreKey(world, { scope: ['all.Instance'], nbf: now - 10 })
    assert.equal((await world.app.inject({ method: 'GET', url: world.invitesPath, ...bearer(ok) })).statusCode, 200)
  })

  test('expired by its own exp claim, and an exp that is not a number', async (t) => {
    const world = await buildWorld(t)
    const now = Math.floor(Date.now() / 1000)
    assert.deepEqual(await attempt(world, bearer(signWithStoreKey(world, { scope: ['all.Instance'], exp: now - 1 }))), { status: 401, body: EXPIRED })
    assert.deepEqual(await attempt(world, bearer(signWithStoreKey(world, { scope: ['all.Instance'], exp: String(now + 3600) }))), { status: 401, body: INVALID })
  })

  test('scope as a string, unknown scopes, near-miss names and non-string entries grant nothing: 403', async (t) => {
    const world = await buildWorld(t)
    const scopes: unknown[] = [
      'all.Instance', 'all.Instance all.User', ['instanceOrgInvites.**'], ['*'], ['all.*'], ['ALL.INSTANCE'], ['all.Instance '],
      [' all.Instance'], ['all.Instance\u0000'], ['all.Іnstance'], ['instanceOrgInvites'], ['instanceOrgInvite.*'], [['all.Instance']],
      [123, null, {}], { 0: 'all.Instance', length: 1 }, null, [], undefined
    ]
    for (const scope of scopes) {
      const token = signWithStoreKey(world, scope === undefined ? {} : { scope })
      assert.deepEqual(await attempt(world, bearer(token)), { status: 403, body: FORBIDDEN }, JSON.stringify(scope))
    }
  })

  test('a token bound to another instance, or with a malformed binding, gets nothing', async (t) => {
    const world = await buildWorld(t)
    const other = (await createInstance(world.app)).id
    assert.deepEqual(await attempt(world, bearer(signWithStoreKey(world, { scope: ['all.Instance'], instanceId: other }))), { status: 403, body: FORBIDDEN })
    // A binding that is not a string is not "unbound": it is refused.
    for (const instanceId of [[world.instanceId], 1, null, { id: world.instanceId }, true]) {
      assert.deepEqual(await attempt(world, bearer(signWithStoreKey(world, { scope: ['all.Instance'], instanceId }))), { status: 401, body: INVALID }, JSON.stringify(instanceId))
    }
  })

  test('the right key with another HMAC algorithm, and alg none in its spellings, are invalid', async (t) => {
    const world = await buildWorld(t)
    assert.deepEqual(await attempt(world, bearer(signWithStoreKey(world, { scope: ['all.Instance'] }, 'HS384'))), { status: 401, body: INVALID })
    assert.deepEqual(await attempt(world, bearer(signWithStoreKey(world, { scope: ['all.Instance'] }, 'HS512'))), { status: 401, body: INVALID })
    const [, payload, signature] = world.token.split('.')
    for (const alg of ['none', 'None', 'NONE', 'nOnE', '']) {
      for (const sig of ['', signature]) {
        assert.deepEqual(await attempt(world, bearer(`${b64({ alg, typ: 'JWT' })}.${payload}.${sig}`)), { status: 401, body: INVALID }, `${alg} ${sig === '' ? 'unsigned' : 'old signature'}`)
      }
    }
    assert.deepEqual(await attempt(world, bearer(`${b64({ alg: 'none' })}.${payload}`)), { status: 401, body: INVALID })
  })

  test('HMAC/RSA confusion: an RS256 header on an HS-signed token, and an embedded attacker key', async (t) => {
    const world = await buildWorld(t)
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
    // HS256 over the token keyed by the public PEM, but claiming RS256.
    const unsigned = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ scope: ['all.Instance'] })}`
    const hmac = createSigner({ key: publicPem, algorithm: 'HS256' })({ scope: ['all.Instance'] }).split('.')[2]
    assert.deepEqual(await attempt(world, bearer(`${unsigned}.${hmac}`)), { status: 401, body: INVALID })
    // RS256 signed by the attacker with their key in the header (jwk) or pointed to (jku, kid).
    const jwk = publicKey.export({ format: 'jwk' })
    for (const extra of [{ jwk }, { jku: 'http://127.0.0.1:1/jwks.json' }, { kid: '../../../../dev/null' }, { x5u: 'http://127.0.0.1:1/cert' }]) {
      const header = { alg: 'RS256', typ: 'JWT', ...extra }
      const token = createSigner({ key: privateKey.export({ type: 'pkcs8', format: 'pem' }), algorithm: 'RS256', header })({ scope: ['all.Instance'] })
      assert.deepEqual(await attempt(world, bearer(token)), { status: 401, body: INVALID }, Object.keys(extra)[0])
    }
  })

  test('tampered header, payload or signature (each re-encoded) is invalid', async (t) => {
    const world = await buildWorld(t)
    const [header, payload, signature] = world.token.split('.') as [string, string, string]
    const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString())
    const variants = [
      `${b64({ ...JSON.parse(Buffer.from(header, 'base64url').toString()), kid: 'x' })}.${payload}.${signature}`,
      `${b64({ alg: 'HS256' })}.${payload}.${signature}`,
      `${header}.${b64({ ...decoded, instanceId: undefined, extra: 1 })}.${signature}`,
      `${header}.${b64({ ...decoded, exp: 99999999999 })}.${signature}`,
      `${header}.${b64(JSON.stringify(decoded) + ' ')}.${signature}`,
      `${header}.${payload}.${signature.slice(0, -1)}`,
      `${header}.${payload}.${signature}A`,
      `${header}.${payload}.${Buffer.from(signature, 'base64url').reverse().toString('base64url')}`,
      `${header}.${payload}`,
      `${header}..${signature}`,
      `${header}.${payload}.${signature}.${signature}`,
      `${header}.${payload}.${Buffer.from(signature, 'base64url').toString('base64')}=`,
      ` ${header}.${payload}.${signature}x`
    ]
    for (const token of variants) assert.deepEqual(await attempt(world, bearer(token)), { status: 401, body: INVALID }, token)
  })

  test('a token from another emulator database (another key) is invalid', async (t) => {
    const world = await buildWorld(t)
    const elsewhere = await buildWorld(t)
    assert.deepEqual(await attempt(world, bearer(elsewhere.token)), { status: 401, body: INVALID })
  })

  test('a very long token, in the header and in the query, is invalid (through inject; over HTTP see limits)', async (t) => {
    const world = await buildWorld(t)
    const long = `${world.token}.${'A'.repeat(200_000)}`
    assert.deepEqual(await attempt(world, bearer(long)), { status: 401, body: INVALID })
    assert.deepEqual(await attempt(world, { query: `?access_token=${long}` }), { status: 401, body: INVALID })
    assert.deepEqual(await attempt(world, bearer('A'.repeat(200_000))), { status: 401, body: INVALID })
  })

  test('a token in two places at once (header and query, even an empty one) is invalid', async (t) => {
    const world = await buildWorld(t)
    for (const query of [`?jwt=${world.token}`, `?access_token=${world.token}`, '?access_token=', `?jwt=${world.token}&jwt=${world.token}`]) {
      assert.deepEqual(await attempt(world, { ...bearer(world.token), query }), { status: 401, body: INVALID }, query)
    }
    // The bracket form is an array of tokens, as the query is read (docs/API.md): invalid, as two tokens are.
    for (const query of [`?access_token[]=${world.token}`, `?jwt%5B0%5D=${world.token}`]) {
      assert.deepEqual(await attempt(world, { query }), { status: 401, body: INVALID }, query)
    }
  })

  test('the control plane without the admin token, when one is set: 401 on every route but health', async (t) => {
    const adminToken = 'correct-horse-battery-staple'
    const app = await buildTestApp(t, { adminToken })
    const REQUIRED = { type: 'Unauthorized', message: 'The control plane requires the admin token: Authorization: Bearer <admin token>' }
    const admin = { authorization: `Bearer ${adminToken}` }
    const instance = expectStatus(await app.inject({ method: 'POST', url: '/_emulator/instances', headers: admin, payload: {} }), 201).json()
    const token = expectStatus(await app.inject({ method: 'POST', url: '/_emulator/tokens', headers: admin, payload: { scope: ['all.Instance'] } }), 201).json().token
    const routes = [
      { url: '/_emulator/instances', payload: {} },
      { url: `/_emulator/instances/${instance.id}/orgs`, payload: {} },
      { url: '/_emulator/tokens', payload: { scope: ['all.Instance'] } }
    ]
    const wrong = [
      {},
      { authorization: `Bearer ${adminToken.slice(0, -1)}X` },
      { authorization: `Bearer ${adminToken}x` },
      { authorization: `Bearer ${token}` },
      { authorization: `Basic ${Buffer.from(`admin:${adminToken}`).toString('base64')}` },
      { authorization: adminToken },
      { authorization: `Bearer ${adminToken.toUpperCase()}` },
      { 'x-admin-token': adminToken }
    ]
    for (const route of routes) {
      for (const headers of wrong) {
        const response = await app.inject({ method: 'POST', url: route.url, headers, payload: route.payload })
        assert.equal(response.statusCode, 401, `${route.url} ${JSON.stringify(headers)}`)
        assert.deepEqual(response.json(), REQUIRED)
      }
      const viaQuery = await app.inject({ method: 'POST', url: `${route.url}?access_token=${adminToken}`, payload: route.payload })
      assert.equal(viaQuery.statusCode, 401, 'not from the query')
    }
    expectStatus(await app.inject({ method: 'POST', url: '/_emulator/instances', headers: { authorization: `bearer ${adminToken}` }, payload: {} }), 201)
    expectStatus(await app.inject({ method: 'GET', url: '/_emulator/health' }), 200)
    // And the admin token is no Losant token.
    const losant = await app.inject({ method: 'GET', url: `/instances/${instance.id}/orgs/${'a'.repeat(24)}/invites`, headers: admin })
    assert.deepEqual({ status: losant.statusCode, body: losant.json() }, { status: 401, body: INVALID })
  })
})
