import assert from 'node:assert/strict'
import { createHmac, generateKeyPairSync } from 'node:crypto'
import { describe, test } from 'node:test'
import { createSigner } from 'fast-jwt'
import { Clock } from '../../src/clock.js'
import { buildWorld, expectStatus, mintToken, type World } from '../helper.js'

const FORBIDDEN = { type: 'Forbidden', message: 'Access is forbidden' }
const INVALID = { type: 'Unauthorized', message: 'Invalid access token' }
const EXPIRED = { type: 'Unauthorized', message: 'Access token has expired' }

function b64 (value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')
}

async function getWith (world: World, headers: Record<string, string>, query = ''): Promise<{ status: number, body: unknown }> {
  const response = await world.app.inject({ method: 'GET', url: `${world.invitesPath}${query}`, headers })
  return { status: response.statusCode, body: response.json() }
}

describe('tokens and scopes', () => {
  test('a token is read from Bearer and JWT schemes (any case) and from access_token and jwt query parameters', async (t) => {
    const world = await buildWorld(t)
    for (const headers of [{ authorization: `Bearer ${world.token}` }, { authorization: `bearer ${world.token}` }, { authorization: `JWT ${world.token}` }, { authorization: `jwt ${world.token}` }]) {
      assert.equal((await getWith(world, headers)).status, 200, headers.authorization.split(' ')[0])
    }
    assert.equal((await getWith(world, {}, `?access_token=${world.token}`)).status, 200)
    assert.equal((await getWith(world, {}, `?jwt=${world.token}`)).status, 200)
  })

  test('no token, or another scheme, is 403 Access is forbidden', async (t) => {
    const world = await buildWorld(t)
    assert.deepEqual(await getWith(world, {}), { status: 403, body: FORBIDDEN })
    assert.deepEqual(await getWith(world, { authorization: `Basic ${world.token}` }), { status: 403, body: FORBIDDEN })
  })

  test('read-only scopes cannot POST', async (t) => {
    const world = await buildWorld(t)
    const token = await mintToken(world.app, ['all.Instance.read', 'instanceOrgInvites.get'])
    const response = await world.app.inject({ method: 'POST', url: world.invitesPath, headers: { authorization: `Bearer ${token}` }, payload: { email: 'a@b', role: 'view' } })
    assert.deepEqual(response.json(), FORBIDDEN)
  })

  test('garbage, tampered, alg none, another key, RSA-signed tokens: 401 Invalid access token', async (t) => {
    const world = await buildWorld(t)
    const [header, payload, signature] = world.token.split('.')
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const forged = [
      'garbage',
      `${header}.${b64({ scope: ['all.Instance'], iat: 1, admin: true })}.${signature}`,
      `${b64({ alg: 'HS512', typ: 'JWT' })}.${payload}.${signature}`,
      `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`,
      createSigner({ key: 'another-secret-of-enough-length-123', algorithm: 'HS256' })({ scope: ['all.Instance'] }),
      createSigner({ key: privateKey.export({ type: 'pkcs8', format: 'pem' }), algorithm: 'RS256' })({ scope: ['all.Instance'] }),
      'x'.repeat(8000)
    ]
    for (const token of forged) {
      assert.deepEqual(await getWith(world, { authorization: `Bearer ${token}` }), { status: 401, body: INVALID }, token.slice(0, 40))
    }
    assert.deepEqual(await getWith(world, { authorization: 'Bearer' }), { status: 403, body: FORBIDDEN })
    assert.deepEqual(await getWith(world, { authorization: 'Bearer  ' }), { status: 403, body: FORBIDDEN })
  })

  test('HMAC signed with the public-looking material of an RSA key is refused (alg confusion)', async (t) => {
    const world = await buildWorld(t)
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
    const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ scope: ['all.Instance'] })}`
    const token = `${unsigned}.${createHmac('sha256', pem).update(unsigned).digest('base64url')}`
    assert.deepEqual(await getWith(world, { authorization: `Bearer ${token}` }), { status: 401, body: INVALID })
  })

  test('an expired token is 401 Access token has expired, judged by the emulator clock', async (t) => {
    const clock = new Clock()
    const world = await buildWorld(t, { clock })
    const token = await mintToken(world.app, ['all.Instance'], { expiresIn: 60 })
    assert.equal((await getWith(world, { authorization: `Bearer ${token}` })).status, 200)
    clock.setOffset(61_000)
    assert.deepEqual(await getWith(world, { authorization: `Bearer ${token}` }), { status: 401, body: EXPIRED })
  })

  test('a token in two places at once is invalid', async (t) => {
    const world = await buildWorld(t)
    assert.deepEqual(await getWith(world, world.auth, `?access_token=${world.token}`), { status: 401, body: INVALID })
    assert.deepEqual(await getWith(world, {}, `?access_token=${world.token}&jwt=${world.token}`), { status: 401, body: INVALID })
    assert.deepEqual(await getWith(world, {}, `?access_token=${world.token}&access_token=${world.token}`), { status: 401, body: INVALID })
  })

  test('a token bound to another instance is forbidden before any 404', async (t) => {
    const world = await buildWorld(t)
    const bound = await mintToken(world.app, ['all.Instance'], { instanceId: 'bbbbbbbbbbbbbbbbbbbbbbbb' })
    assert.deepEqual(await getWith(world, { authorization: `Bearer ${bound}` }), { status: 403, body: FORBIDDEN })
    const own = await mintToken(world.app, ['all.Instance'], { instanceId: world.instanceId.toUpperCase() })
    assert.equal((await getWith(world, { authorization: `Bearer ${own}` })).status, 200)
  })

  test('POST /_emulator/tokens answers the grant and validates its body', async (t) => {
    const world = await buildWorld(t)
    const minted = expectStatus(await world.app.inject({ method: 'POST', url: '/_emulator/tokens', payload: { scope: ['devices.get'], instanceId: world.instanceId, expiresIn: 3600 } }), 201).json()
    assert.deepEqual(minted.scope, ['devices.get'])
    assert.equal(minted.instanceId, world.instanceId)
    assert.ok(Math.abs(Date.parse(minted.expiresAt) - Date.now() - 3_600_000) < 5000)
    for (const [body, message] of [
      [{}, 'scope is required'],
      [{ scope: [] }, 'scope has less items than allowed'],
      [{ scope: 'all.Instance' }, 'scope is the wrong type'],
      [{ scope: ['all.Instance'], instanceId: 'x' }, 'instanceId pattern mismatch'],
      [{ scope: ['all.Instance'], expiresIn: 0 }, 'expiresIn is less than minimum'],
      [{ scope: ['all.Instance'], other: 1 }, 'body has additional properties (other)']
    ] as const) {
      const response = await world.app.inject({ method: 'POST', url: '/_emulator/tokens', payload: body })
      assert.equal(response.statusCode, 400)
      assert.deepEqual(response.json(), { type: 'Validation', message })
    }
  })
})
