import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { describe, test } from 'node:test'
import isMyJsonValid from 'is-my-json-valid'
import losant from 'losant-rest'
import { buildWorld, expectStatus, postInvite } from './helper.js'

/**
 * Which error a request with several reports first. The contract's validation messages are
 * those of is-my-json-valid, the real service's validator, which reports its first error
 * as `<field> <message>` with `data` standing for the parameter: the expectations here
 * come from running it on Losant's own schemas (test/fixtures/losant-schemas) and query
 * parameters (the contract's endpoint definition), never from src/.
 */
type Imjv = ((value: unknown) => boolean) & { errors: Array<{ field: string, message: string }> | null }
const compile = isMyJsonValid as unknown as (schema: object, options?: { greedy?: boolean }) => Imjv

const fixture = (name: string): object => JSON.parse(readFileSync(new URL(`fixtures/losant-schemas/${name}.json`, import.meta.url), 'utf8'))

/** The real service's message: its validator's first error, `data` named as the parameter. */
function realFirstError (schema: object, value: unknown, parameter: string): string {
  const validate = compile(schema)
  assert.equal(validate(value), false, 'the value is invalid')
  const { field, message } = validate.errors![0]!
  // `data` is the parameter itself; `data.x.0.y` a path inside it (docs/API.md, validation: "`data.` dropped").
  const inside = field === 'data' ? [] : [field.slice('data.'.length)]
  return `${[parameter, ...inside].filter((part) => part !== '').join('.')} ${message}`
}

/** How many errors the value has in all (greedy: past a missing required property too). */
function errorCount (schema: object, value: unknown): number {
  const validate = compile(schema, { greedy: true })
  validate(value)
  return validate.errors?.length ?? 0
}

const BAD_ID = 'not-an-object-id'
const ID = '575ec8687ae143cd83dc4a9a'
const LONG = 'a'.repeat(1030)
const roles = (n: number, role: object) => Array.from({ length: n }, () => role)

/** Bodies with several errors each: [label, schema, body parameter's name, route, body]. */
type Route = 'invite' | 'resend' | 'accept'
const BODIES: Array<[string, string, string, Route, unknown]> = [
  // orgInvitePost (POST /instances/{instanceId}/orgs/{orgId}/invites)
  ['101 application roles with a bad id', 'orgInvitePost', 'invite', 'invite', { email: 'a@b.co', role: 'view', applicationRoles: roles(101, { resourceId: BAD_ID, role: 'view' }) }],
  ['a 1,030-character email without @', 'orgInvitePost', 'invite', 'invite', { email: LONG, role: 'view' }],
  ['a 1,030-character email with a space and an @', 'orgInvitePost', 'invite', 'invite', { email: `${LONG} @b`, role: 'view' }],
  ['a 1,030-character email and a bad role', 'orgInvitePost', 'invite', 'invite', { email: `${LONG}@b`, role: 'owner' }],
  ['no email and a bad role', 'orgInvitePost', 'invite', 'invite', { role: 'owner' }],
  ['an empty object', 'orgInvitePost', 'invite', 'invite', {}],
  ['an unknown property and a bad role', 'orgInvitePost', 'invite', 'invite', { email: 'a@b.co', role: 'owner', extra: 1 }],
  ['an unknown property and no role', 'orgInvitePost', 'invite', 'invite', { email: 'a@b.co', extra: 1 }],
  ['email and role of the wrong types', 'orgInvitePost', 'invite', 'invite', { email: 5, role: 5 }],
  ['a bad role and a string disallowTransfer', 'orgInvitePost', 'invite', 'invite', { email: 'a@b.co', role: 'owner', disallowTransfer: 'yes' }],
  ['an application role with a bad id and a bad role', 'orgInvitePost', 'invite', 'invite', { email: 'a@b.co', role: 'view', applicationRoles: [{ resourceId: BAD_ID, role: 'owner' }] }],
  ['an application role without id, with a bad role and an unknown property', 'orgInvitePost', 'invite', 'invite', { email: 'a@b.co', role: 'view', applicationRoles: [{ role: 'owner', extra: 1 }] }],
  ['an application role with an unknown property, then one with a bad id', 'orgInvitePost', 'invite', 'invite', { email: 'a@b.co', role: 'view', applicationRoles: [{ resourceId: ID, role: 'view', extra: 1 }, { resourceId: BAD_ID, role: 'view' }] }],
  ['application roles not an array, 101 bad dashboard roles', 'orgInvitePost', 'invite', 'invite', { email: 'a@b.co', role: 'view', applicationRoles: 'x', dashboardRoles: roles(101, { resourceId: BAD_ID, role: 'view' }) }],
  ['101 good application roles, a bad dashboard role', 'orgInvitePost', 'invite', 'invite', { email: 'a@b.co', role: 'view', applicationRoles: roles(101, { resourceId: ID, role: 'view' }), dashboardRoles: [{ resourceId: BAD_ID, role: 'view' }] }],
  ['an empty email and an empty role', 'orgInvitePost', 'invite', 'invite', { email: '', role: '' }],
  ['application roles an object, disallowTransfer a string', 'orgInvitePost', 'invite', 'invite', { email: 'a@b.co', role: 'view', applicationRoles: {}, disallowTransfer: 'no' }],
  ['application roles of strings', 'orgInvitePost', 'invite', 'invite', { email: 'a@b.co', role: 'view', applicationRoles: ['x', 'y'] }],
  ['101 application roles, each without an id', 'orgInvitePost', 'invite', 'invite', { email: 'a@b.co', role: 'view', applicationRoles: roles(101, { role: 'view' }) }],
  ['a bad email, a bad role, an unknown property', 'orgInvitePost', 'invite', 'invite', { email: 'nobody', role: 'owner', extra: true }],
  // orgRoleInfo (POST /instances/{instanceId}/orgs/{orgId}/invites/{inviteId}, resend)
  ['resend: an unknown property and a bad role', 'orgRoleInfo', 'roleInfo', 'resend', { role: 'owner', extra: 1 }],
  ['resend: a bad role and application roles not an array', 'orgRoleInfo', 'roleInfo', 'resend', { role: 'owner', applicationRoles: 'x' }],
  ['resend: 101 application roles with a bad id', 'orgRoleInfo', 'roleInfo', 'resend', { applicationRoles: roles(101, { resourceId: BAD_ID, role: 'view' }) }],
  ['resend: an empty application role, a bad dashboard role', 'orgRoleInfo', 'roleInfo', 'resend', { applicationRoles: [{}], dashboardRoles: [{ resourceId: BAD_ID, role: 'owner' }] }],
  ['resend: role and dashboard roles of the wrong types', 'orgRoleInfo', 'roleInfo', 'resend', { role: 5, dashboardRoles: 5 }],
  // orgInviteAction (POST /invites)
  ['accept: a 1,030-character email, an empty token, a string accept', 'orgInviteAction', 'invite', 'accept', { email: LONG, token: '', accept: 'yes' }],
  ['accept: no email, an empty token, a string accept', 'orgInviteAction', 'invite', 'accept', { token: '', accept: 'yes' }],
  ['accept: an unknown property, an empty token, a string accept', 'orgInviteAction', 'invite', 'accept', { email: 'a@b.co', token: '', accept: 'yes', extra: 1 }],
  ['accept: an empty token and a string accept', 'orgInviteAction', 'invite', 'accept', { email: 'a@b.co', token: '', accept: 'yes' }],
  ['accept: everything of the wrong type', 'orgInviteAction', 'invite', 'accept', { email: 5, token: 5, accept: 5 }]
]

describe('validation: the first error of several is the one the real service reports', () => {
  test(`${BODIES.length} bodies with several errors, each answered with the real validator's first error`, async (t) => {
    const world = await buildWorld(t)
    const paths: Record<Route, string> = {
      invite: world.invitesPath,
      resend: `${world.invitesPath}/${ID}`,
      accept: '/invites'
    }
    assert.ok(BODIES.length >= 30)
    for (const [label, schema, parameter, route, body] of BODIES) {
      assert.ok(errorCount(fixture(schema), body) >= 2, `${label}: several errors`)
      const expected = realFirstError(fixture(schema), body, parameter)
      const response = await world.app.inject({ method: 'POST', url: paths[route], headers: world.auth, payload: body as object })
      assert.equal(response.statusCode, 400, label)
      assert.deepEqual(response.json(), { type: 'Validation', message: expected }, label)
    }
  })

  test('the issue\'s two cases, with the real service\'s literals', async (t) => {
    const world = await buildWorld(t)
    const cases: Array<[object, string]> = [
      [{ email: 'a@b.co', role: 'view', applicationRoles: roles(101, { resourceId: BAD_ID, role: 'view' }) }, 'invite.applicationRoles.0.resourceId pattern mismatch'],
      [{ email: LONG, role: 'view' }, 'invite.email must be email format']
    ]
    for (const [body, message] of cases) {
      assert.deepEqual((await world.app.inject({ method: 'POST', url: world.invitesPath, headers: world.auth, payload: body })).json(), { type: 'Validation', message })
    }
  })

  test('through the official client: the same first errors, thrown as Error(message) with type and statusCode', async (t) => {
    const world = await buildWorld(t)
    await world.app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = world.app.server.address() as AddressInfo
    const client = losant.createClient({ url: `http://127.0.0.1:${port}`, accessToken: world.token })
    for (const [label, schema, parameter, route, body] of BODIES.filter(([, , , route]) => route === 'invite').slice(0, 4)) {
      const expected = realFirstError(fixture(schema), body, parameter)
      assert.equal(route, 'invite')
      // What client.instanceOrgInvites.post({ instanceId, orgId, invite }) sends (contract README).
      const error = await client.request({
        method: 'POST',
        url: world.invitesPath,
        data: body,
        headers: {},
        params: { _actions: false, _links: true, _embedded: true }
      }).then(() => assert.fail(`${label}: expected a rejection`), (e: Error & { type?: string, statusCode?: number }) => e)
      assert.deepEqual({ statusCode: error.statusCode, type: error.type, message: error.message }, { statusCode: 400, type: 'Validation', message: expected }, label)
    }
  })

  test('query parameters: the action\'s own before the global ones, in the definition\'s order', async (t) => {
    const world = await buildWorld(t)
    // The contract's query parameters of instanceOrgInvites.get, then its global ones.
    const query = {
      type: 'object',
      properties: {
        sortField: { type: 'string', enum: ['email', 'role', 'inviteDate'] },
        sortDirection: { type: 'string', enum: ['asc', 'desc'] },
        filterField: { type: 'string', enum: ['email', 'role'] },
        filter: { type: 'string' },
        _actions: { type: 'boolean' },
        _links: { type: 'boolean' },
        _embedded: { type: 'boolean' }
      }
    }
    const cases: Array<[string, Record<string, unknown>]> = [
      ['_links=maybe&sortDirection=up&sortField=name', { _links: 'maybe', sortDirection: 'up', sortField: 'name' }],
      ['_embedded=1&filterField=id', { _embedded: '1', filterField: 'id' }],
      ['_embedded=1&_actions=0', { _embedded: '1', _actions: '0' }]
    ]
    for (const [search, value] of cases) {
      const response = await world.app.inject({ method: 'GET', url: `${world.invitesPath}?${search}`, headers: world.auth })
      assert.deepEqual(response.json(), { type: 'Validation', message: realFirstError(query, value, '') }, search)
    }
  })
})

describe('the global parameters _actions, _links, _embedded: the contract\'s booleans', () => {
  // globalParams.json: three query parameters of type boolean. A query string holds text:
  // `true` and `false` are the booleans; anything else is not one.
  const NOT_BOOLEANS = ['notabool', '0', '1', 'FALSE', 'True', 'yes', '', '%20true']

  test('on every Losant operation, a value that is not true or false answers 400 "<name> is the wrong type"', async (t) => {
    const world = await buildWorld(t)
    const invite = expectStatus(await postInvite(world, { email: 'ann@example.com', role: 'view' }), 201).json().items[0]
    const one = `${world.invitesPath}/${invite.id}`
    const operations: Array<[string, string, string, object | undefined]> = [
      ['GET', world.invitesPath, '', undefined],
      ['POST', world.invitesPath, '', { email: 'bob@example.com', role: 'view' }],
      ['GET', one, '', undefined],
      ['DELETE', one, '', undefined],
      ['POST', one, '', {}],
      ['GET', '/invites', 'email=ann@example.com&token=t&', undefined],
      ['POST', '/invites', '', { email: 'ann@example.com', token: 't', accept: true }]
    ]
    for (const [method, path, before, payload] of operations) {
      for (const name of ['_actions', '_links', '_embedded']) {
        for (const value of NOT_BOOLEANS) {
          const search = `${before}${name}=${value}`
          const response = await world.app.inject({ method: method as 'GET', url: `${path}?${search}`, headers: world.auth, ...(payload === undefined ? {} : { payload }) })
          assert.equal(response.statusCode, 400, `${method} ${path}?${search}`)
          assert.deepEqual(response.json(), { type: 'Validation', message: `${name} is the wrong type` }, `${method} ${path}?${search}`)
        }
        // A name without a value, a repeated one, an array: none is a boolean either.
        for (const search of [name, `${name}=true&${name}=false`, `${name}[0]=true`]) {
          const response = await world.app.inject({ method: method as 'GET', url: `${path}?${before}${search}`, headers: world.auth, ...(payload === undefined ? {} : { payload }) })
          assert.deepEqual(response.json(), { type: 'Validation', message: `${name} is the wrong type` }, `${method} ${path}?${before}${search}`)
        }
      }
    }
    // Nothing was changed by the refused requests.
    const listed = expectStatus(await world.app.inject({ method: 'GET', url: world.invitesPath, headers: world.auth }), 200).json()
    assert.deepEqual(listed.items.map((i: { email: string }) => i.email), ['ann@example.com'])
  })

  test('validated in the order of checks: after the path, before the token (400 without a token, not 403)', async (t) => {
    const world = await buildWorld(t)
    const bad = (url: string, headers = {}) => world.app.inject({ method: 'GET', url, headers })
    assert.deepEqual((await bad(`${world.invitesPath}?_links=1`)).json(), { type: 'Validation', message: '_links is the wrong type' })
    assert.deepEqual((await bad(`/instances/nope/orgs/${world.orgId}/invites?_links=1`, world.auth)).json(), { type: 'Validation', message: 'instanceId pattern mismatch' })
    assert.deepEqual((await bad(`${world.invitesPath}?_links=1`, { authorization: 'Bearer garbage' })).json(), { type: 'Validation', message: '_links is the wrong type' })
    // The query before the body.
    const post = await world.app.inject({ method: 'POST', url: `${world.invitesPath}?_embedded=no`, headers: world.auth, payload: { role: 'owner' } })
    assert.deepEqual(post.json(), { type: 'Validation', message: '_embedded is the wrong type' })
  })

  test('true and false are accepted everywhere; _links=false drops the links, true or absent keeps them, in any order of requests', async (t) => {
    const world = await buildWorld(t)
    const invite = expectStatus(await postInvite(world, { email: 'ann@example.com', role: 'view' }), 201).json().items[0]
    const list = async (search: string) => expectStatus(await world.app.inject({ method: 'GET', url: `${world.invitesPath}${search}`, headers: world.auth }), 200).json()
    const self = `${world.invitesPath}/${invite.id}`
    // Asked alternately: a cached answer of one kind never answers the other.
    for (const [search, links] of [['?_links=false', false], ['?_links=true', true], ['', true], ['?_actions=true&_links=false&_embedded=false', false], ['?_actions=false&_links=true&_embedded=true', true]] as const) {
      const collection = await list(search)
      assert.equal(collection._links !== undefined, links, search)
      assert.equal(collection.items[0]._links !== undefined, links, search)
      if (links) assert.deepEqual([collection._links.self.href, collection.items[0]._links.self.href], [world.invitesPath, self], search)
    }
    const single = expectStatus(await world.app.inject({ method: 'GET', url: `${self}?_links=false&_embedded=true`, headers: world.auth }), 200).json()
    assert.equal(single._links, undefined)
    assert.equal(single._type, 'instanceOrgInvite')
    const posted = expectStatus(await world.app.inject({ method: 'POST', url: `${world.invitesPath}?_links=false`, headers: world.auth, payload: { email: 'bob@example.com', role: 'view' } }), 201).json()
    assert.equal(posted._links, undefined)
    // Every other operation takes them too (the answer each gives without them).
    const operations: Array<[string, string, number, object | undefined]> = [
      ['POST', self, 201, {}],
      ['GET', '/invites?email=ann@example.com&token=unknown&', 404, undefined],
      ['POST', '/invites?', 404, { email: 'ann@example.com', token: 'unknown', accept: true }],
      ['DELETE', self, 200, undefined]
    ]
    for (const [method, path, status, payload] of operations) {
      for (const search of ['_actions=false&_links=true&_embedded=true', '_actions=true&_links=false&_embedded=false']) {
        const url = `${path}${path.includes('?') ? '' : '?'}${search}`
        const response = await world.app.inject({ method: method as 'GET', url, headers: world.auth, ...(payload === undefined ? {} : { payload }) })
        assert.equal(response.statusCode, method === 'DELETE' && search.startsWith('_actions=true') ? 404 : status, `${method} ${url}: ${response.body}`)
      }
    }
  })

  test('the request journal shows the query as sent: text, not the booleans read from it', async (t) => {
    const world = await buildWorld(t)
    expectStatus(await world.app.inject({ method: 'GET', url: `${world.invitesPath}?_actions=false&_links=true&_embedded=true`, headers: world.auth }), 200)
    const [entry] = expectStatus(await world.app.inject({ method: 'GET', url: '/_emulator/requests?limit=1' }), 200).json()
    assert.deepEqual(entry.query, { _actions: 'false', _links: 'true', _embedded: 'true' })
  })

  test('through the official client: booleans as it sends them work; another value is thrown as the contract\'s 400', async (t) => {
    const world = await buildWorld(t)
    expectStatus(await postInvite(world, { email: 'ann@example.com', role: 'view' }), 201)
    await world.app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = world.app.server.address() as AddressInfo
    const client = losant.createClient({ url: `http://127.0.0.1:${port}`, accessToken: world.token })
    // What client.instanceOrgInvites.get({ instanceId, orgId, _links }) sends (contract README).
    const get = (params: object) => client.request({ method: 'GET', url: world.invitesPath, headers: {}, params: { _actions: false, _links: true, _embedded: true, ...params } })
    assert.equal((await get({}))._links.self.href, world.invitesPath)
    assert.equal((await get({ _links: false }))._links, undefined)
    for (const [params, name] of [[{ _links: 'notabool' }, '_links'], [{ _actions: 0 }, '_actions'], [{ _embedded: 'FALSE' }, '_embedded'], [{ _links: '' }, '_links']] as const) {
      const error = await get(params).then(() => assert.fail('expected a rejection'), (e: Error & { type?: string, statusCode?: number }) => e)
      assert.deepEqual({ statusCode: error.statusCode, type: error.type, message: error.message }, { statusCode: 400, type: 'Validation', message: `${name} is the wrong type` }, JSON.stringify(params))
    }
  })
})

describe('emails: is-my-json-valid\'s format, an @ and no white space', () => {
  test('the API takes what the real validator takes, refuses what it refuses, and a snapshot keeps every email it took', async (t) => {
    const world = await buildWorld(t)
    const schema = fixture('orgInvitePost')
    for (const email of ['a@b', '@', 'a@', '@b', 'é@ü', 'a@b@c', '', 'a b@c', 'a@b\t', 'nobody']) {
      const valid = compile(schema)({ email, role: 'view' })
      const response = await postInvite(world, { email, role: 'view' })
      assert.equal(response.statusCode, valid ? 201 : 400, `${JSON.stringify(email)}: ${response.body}`)
      if (!valid) assert.deepEqual(response.json(), { type: 'Validation', message: 'invite.email must be email format' })
    }
    const snapshot = expectStatus(await world.app.inject({ method: 'GET', url: '/_emulator/snapshot' }), 200).json()
    expectStatus(await world.app.inject({ method: 'PUT', url: '/_emulator/snapshot', payload: snapshot }), 200)
    const listed = expectStatus(await world.app.inject({ method: 'GET', url: `${world.invitesPath}?sortField=email&sortDirection=asc`, headers: world.auth }), 200).json()
    assert.deepEqual(listed.items.map((i: { email: string }) => i.email), ['@', '@b', 'a@', 'a@b', 'a@b@c', 'é@ü'])
  })
})
