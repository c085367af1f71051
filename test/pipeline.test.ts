import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { buildWorld, mintToken } from './helper.js'

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
