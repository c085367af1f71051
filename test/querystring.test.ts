import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { describe, test } from 'node:test'
import losant from 'losant-rest'
import { buildWorld, expectStatus, postInvite } from './helper.js'

/**
 * Query strings as the real service reads them: the official client's qs encodes an array
 * as `sortField[0]=email&sortField[1]=role` (brackets percent-encoded), which the real
 * service reads as an array, so a scalar parameter sent so is `<name> is the wrong type`
 * (the contract's message for a value of another type); so is a repeated parameter.
 */
const wrongType = (name: string) => ({ type: 'Validation', message: `${name} is the wrong type` })

describe('array-encoded values of scalar parameters', () => {
  test('raw HTTP: bracketed, percent-encoded and repeated forms are the wrong type, on every query parameter', async (t) => {
    const world = await buildWorld(t)
    const cases: Array<[string, string]> = [
      ['sortField[0]=email&sortField[1]=role', 'sortField'],
      ['sortField%5B0%5D=email&sortField%5B1%5D=role', 'sortField'],
      ['sortField%5b0%5d=email', 'sortField'],
      ['sortField=email&sortField=role', 'sortField'],
      ['sortField[]=email', 'sortField'],
      ['sortDirection[0]=asc', 'sortDirection'],
      ['filterField[x]=email&filter=*', 'filterField'],
      ['filterField=email&filter[0]=*', 'filter'],
      ['_links[0]=true', '_links']
    ]
    for (const [search, name] of cases) {
      const response = await world.app.inject({ method: 'GET', url: `${world.invitesPath}?${search}`, headers: world.auth })
      assert.equal(response.statusCode, 400, search)
      assert.deepEqual(response.json(), wrongType(name), search)
    }
    // /invites: the invite's token and email are scalar parameters too.
    for (const [search, name] of [['token[0]=t&email=a@b.co', 'token'], ['token=t&email=a@b.co&email=c@d.co', 'email']] as const) {
      assert.deepEqual((await world.app.inject({ method: 'GET', url: `/invites?${search}` })).json(), wrongType(name), search)
    }
  })

  test('brackets elsewhere change nothing: a glob class in a value, an unknown bracketed parameter', async (t) => {
    const world = await buildWorld(t)
    for (const email of ['ann@example.com', 'bob@example.com', 'cy@example.com']) expectStatus(await postInvite(world, { email, role: 'view' }), 201)
    const cases: Array<[string, string[]]> = [
      ['filterField=email&filter=[ab]*&sortField=email&sortDirection=asc', ['ann@example.com', 'bob@example.com']],
      ['filterField=email&filter=%5Bbc%5D*&sortField=email&sortDirection=asc', ['bob@example.com', 'cy@example.com']],
      ['unknown[0]=1&other%5Bx%5D=2&sortField=email&sortDirection=desc', ['cy@example.com', 'bob@example.com', 'ann@example.com']]
    ]
    for (const [search, emails] of cases) {
      const response = expectStatus(await world.app.inject({ method: 'GET', url: `${world.invitesPath}?${search}`, headers: world.auth }), 200)
      assert.deepEqual(response.json().items.map((i: { email: string }) => i.email), emails, search)
    }
  })

  test('through the official client: an array where the contract says string answers the wrong type', async (t) => {
    const world = await buildWorld(t)
    await world.app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = world.app.server.address() as AddressInfo
    const client = losant.createClient({ url: `http://127.0.0.1:${port}`, accessToken: world.token })
    // What client.instanceOrgInvites.get({ instanceId, orgId, sortField: [...] }) sends (contract README).
    const request = (params: object) => client.request({ method: 'GET', url: world.invitesPath, headers: {}, params: { _actions: false, _links: true, _embedded: true, ...params } })
    for (const [params, name] of [[{ sortField: ['email', 'role'] }, 'sortField'], [{ filterField: 'email', filter: ['a*', 'b*'] }, 'filter']] as const) {
      const error = await request(params).then(() => assert.fail('expected a rejection'), (e: Error & { type?: string, statusCode?: number }) => e)
      assert.deepEqual({ statusCode: error.statusCode, type: error.type, message: error.message }, { statusCode: 400, ...wrongType(name) })
    }
    // The query as the journal recorded it: the client's encoding (`filter%5B0%5D=a*&…`), read as an array.
    const [sent] = await (await fetch(`http://127.0.0.1:${port}/_emulator/requests?limit=1`)).json() as Array<{ query: Record<string, unknown> }>
    assert.deepEqual(sent!.query, { _actions: 'false', _links: 'true', _embedded: 'true', filterField: 'email', filter: ['a*', 'b*'] })
  })
})
