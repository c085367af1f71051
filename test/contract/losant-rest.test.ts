import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, test, type TestContext } from 'node:test'
import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'
import losant from 'losant-rest'
import { buildApp } from '../../src/app.js'

/**
 * The official client is the judge: a real server on port 0, called through losant-rest's
 * generic `client.request` exactly as its generated methods call it (contract README),
 * and every answer checked against Losant's own JSON Schemas (copied in fixtures/).
 */
const ajv = new Ajv({ strict: false })
addFormats.default(ajv)
const schemaDir = new URL('../fixtures/losant-schemas/', import.meta.url)
// Only the definitions these answers use (Losant's orgInvites.json is not a valid schema).
for (const name of ['orgInviteCollection', 'orgInvite', 'error']) {
  ajv.addSchema(JSON.parse(readFileSync(new URL(`${name}.json`, schemaDir), 'utf8')), name)
}

function assertSchema (name: string, body: unknown): void {
  const validate = ajv.getSchema(name)!
  assert.equal(validate(body), true, `${name}: ${ajv.errorsText(validate.errors)}`)
}

const GENERATED_QUERY = { _actions: false, _links: true, _embedded: true }

interface Server {
  url: string
  client: { request: (req: object, opts?: object) => Promise<any> }
  admin: (path: string, body: object) => Promise<any>
}

async function startServer (t: TestContext): Promise<Server> {
  const app = await buildApp()
  t.after(() => app.close())
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  const url = `http://127.0.0.1:${address.port}`
  const admin = async (path: string, body: object) => {
    const response = await fetch(`${url}/_emulator${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    assert.equal(response.status, 201)
    return await response.json()
  }
  return { url, admin, client: losant.createClient({ url }) }
}

/** What `client.instanceOrgInvites.get/post(params)` would send. */
function invitesRequest (method: 'GET' | 'POST', instanceId: string, orgId: string, extra: { params?: object, data?: object, headers?: object } = {}) {
  return {
    method,
    url: `/instances/${instanceId}/orgs/${orgId}/invites`,
    data: extra.data ?? {},
    headers: extra.headers ?? {},
    params: { ...GENERATED_QUERY, ...extra.params }
  }
}

async function rejection (promise: Promise<unknown>): Promise<Error & { type?: string, statusCode?: number }> {
  try {
    await promise
  } catch (error) {
    return error as Error & { type?: string, statusCode?: number }
  }
  throw new Error('expected the client to throw')
}

describe('contract: losant-rest against a listening emulator', () => {
  test('POST then GET with sort and filter; bodies match Losant\'s schemas', async (t) => {
    const server = await startServer(t)
    const instance = await server.admin('/instances', {})
    const org = await server.admin(`/instances/${instance.id}/orgs`, { name: 'Acme' })
    const { token } = await server.admin('/tokens', { scope: ['instanceOrgInvites.*'] })
    const opts = { accessToken: token, acceptVersion: '^1.30.0' }

    const created = await server.client.request(invitesRequest('POST', instance.id, org.id, {
      data: { email: 'Zed@Example.com', role: 'edit', disallowTransfer: false },
      headers: { losantdomain: 'example.com' }
    }), opts)
    assertSchema('orgInviteCollection', created)
    assert.equal(created.count, 1)
    assert.equal(created.items[0].email, 'zed@example.com')
    await server.client.request(invitesRequest('POST', instance.id, org.id, { data: { email: 'amy@example.com', role: 'view' } }), opts)
    await server.client.request(invitesRequest('POST', instance.id, org.id, { data: { email: 'bob@elsewhere.org', role: 'admin' } }), opts)

    const listed = await server.client.request(invitesRequest('GET', instance.id, org.id, {
      params: { sortField: 'email', sortDirection: 'asc', filterField: 'email', filter: '*@example.com' }
    }), opts)
    assertSchema('orgInviteCollection', listed)
    assert.deepEqual(listed.items.map((i: any) => i.email), ['amy@example.com', 'zed@example.com'])
    assert.deepEqual(
      { count: listed.count, sortField: listed.sortField, sortDirection: listed.sortDirection, filterField: listed.filterField, filter: listed.filter, instanceId: listed.instanceId, orgId: listed.orgId },
      { count: 2, sortField: 'email', sortDirection: 'asc', filterField: 'email', filter: '*@example.com', instanceId: instance.id, orgId: org.id }
    )
    for (const item of listed.items) assertSchema('orgInvite', item)
  })

  test('the invitee\'s side through the client\'s own generated methods (client.orgInvites, in 2.8.1)', async (t) => {
    const server = await startServer(t)
    const instance = await server.admin('/instances', {})
    const org = await server.admin(`/instances/${instance.id}/orgs`, { name: 'Acme' })
    const { token } = await server.admin('/tokens', { scope: ['all.Instance'] })
    await server.client.request(invitesRequest('POST', instance.id, org.id, { data: { email: 'ann@example.com', role: 'edit' } }), { accessToken: token })
    const [mail] = await (await fetch(`${server.url}/_emulator/outbox?email=ann@example.com`)).json() as Array<{ token: string }>
    const client = server.client as unknown as { orgInvites: { get: (params: object) => Promise<any>, post: (params: object) => Promise<any> } }

    const info = await client.orgInvites.get({ email: 'ann@example.com', token: mail!.token })
    assert.deepEqual({ orgName: info.orgName, email: info.email, role: info.role }, { orgName: 'Acme', email: 'ann@example.com', role: 'edit' })
    const unknown = await rejection(client.orgInvites.get({ email: 'ann@example.com', token: 'not-the-token' }))
    assert.deepEqual({ statusCode: unknown.statusCode, type: unknown.type, message: unknown.message }, { statusCode: 404, type: 'NotFound', message: 'Invite was not found' })
    const invalid = await rejection(client.orgInvites.post({ invite: { email: 'ann@example.com', token: mail!.token, accept: 'yes' } }))
    assert.deepEqual({ statusCode: invalid.statusCode, type: invalid.type, message: invalid.message }, { statusCode: 400, type: 'Validation', message: 'invite.accept is the wrong type' })
    assert.deepEqual(await client.orgInvites.post({ invite: { email: 'ann@example.com', token: mail!.token, accept: true } }), { accepted: true, orgId: org.id })
    // What the generated method sent: the global parameters, as text.
    const [sent] = await (await fetch(`${server.url}/_emulator/requests?path=/invites&limit=1`)).json() as Array<{ query: object }>
    assert.deepEqual(sent!.query, { _actions: 'false', _links: 'true', _embedded: 'true' })
  })

  test('errors reach the client as Error(message) with type and statusCode, in Losant\'s error schema', async (t) => {
    const server = await startServer(t)
    const instance = await server.admin('/instances', {})
    const org = await server.admin(`/instances/${instance.id}/orgs`, {})
    const { token } = await server.admin('/tokens', { scope: ['all.User.read'] })
    const opts = { accessToken: token }

    const cases: Array<[Promise<unknown>, number, string, string]> = [
      [server.client.request(invitesRequest('GET', 'nope', org.id), opts), 400, 'Validation', 'instanceId pattern mismatch'],
      [server.client.request(invitesRequest('GET', instance.id, org.id, { params: { sortDirection: 'ASC' } }), opts), 400, 'Validation', 'sortDirection must be an enum value'],
      [server.client.request(invitesRequest('GET', instance.id, org.id)), 403, 'Forbidden', 'Access is forbidden'],
      [server.client.request(invitesRequest('GET', instance.id, org.id), { accessToken: 'not-a-token' }), 401, 'Unauthorized', 'Invalid access token'],
      [server.client.request(invitesRequest('POST', instance.id, org.id, { data: { email: 'a@b.co', role: 'view' } }), opts), 403, 'Forbidden', 'Access is forbidden'],
      [server.client.request(invitesRequest('GET', 'aaaaaaaaaaaaaaaaaaaaaaaa', org.id), opts), 404, 'NotFound', 'Instance was not found'],
      [server.client.request(invitesRequest('GET', instance.id, 'aaaaaaaaaaaaaaaaaaaaaaaa'), opts), 404, 'NotFound', 'Organization was not found'],
      [server.client.request({ method: 'PUT', url: `/instances/${instance.id}/orgs/${org.id}/invites`, data: {}, params: GENERATED_QUERY }, opts), 405, 'MethodNotAllowed', 'PUT is not allowed'],
      [server.client.request({ method: 'GET', url: '/instances', params: GENERATED_QUERY }, opts), 404, 'NotFound', '/instances does not exist']
    ]
    for (const [promise, statusCode, type, message] of cases) {
      const error = await rejection(promise)
      assert.deepEqual({ statusCode: error.statusCode, type: error.type, message: error.message }, { statusCode, type, message })
    }

    const { token: writer } = await server.admin('/tokens', { scope: ['all.User'] })
    const invalid = await rejection(server.client.request(invitesRequest('POST', instance.id, org.id, { data: { email: 'a@b.co', role: 'view', extra: true } }), { accessToken: writer }))
    assert.deepEqual({ statusCode: invalid.statusCode, type: invalid.type, message: invalid.message }, { statusCode: 400, type: 'Validation', message: 'invite has additional properties' })

    // No body (`invite: null`, `roleInfo: null`): the client sends an empty form-encoded body.
    const { token: inviter } = await server.admin('/tokens', { scope: ['all.User'] })
    const created = await server.client.request(invitesRequest('POST', instance.id, org.id, { data: { email: 'a@b.co', role: 'view' } }), { accessToken: inviter })
    const noBody = [
      [{ ...invitesRequest('POST', instance.id, org.id), data: null }, 'invite is required'],
      [{ ...invitesRequest('POST', instance.id, org.id), url: `/instances/${instance.id}/orgs/${org.id}/invites/${created.items[0].id}`, data: undefined }, 'roleInfo is required']
    ] as const
    for (const [request, message] of noBody) {
      const error = await rejection(server.client.request(request, { accessToken: inviter }))
      assert.deepEqual({ statusCode: error.statusCode, type: error.type, message: error.message }, { statusCode: 400, type: 'Validation', message })
    }
    const [sent] = await (await fetch(`${server.url}/_emulator/requests?limit=1`)).json() as any[]
    assert.deepEqual([sent.headers['content-type'], sent.headers['content-length'], sent.body], ['application/x-www-form-urlencoded', '0', undefined])

    // The raw body, as the client received it, is exactly Losant's error schema.
    const raw = await fetch(`${server.url}/instances/${instance.id}/orgs/${org.id}/invites`)
    const body = await raw.json()
    assertSchema('error', body)
    assert.deepEqual(body, { type: 'Forbidden', message: 'Access is forbidden' })
  })
})
