import assert from 'node:assert/strict'
import { describe, test, type TestContext } from 'node:test'
import losant from 'losant-rest'
import { startEmulator, type RunningEmulator } from '../../../src/index.js'

/**
 * The invite lifecycle end to end, through the official client over real HTTP, called
 * as its generated methods call it (instanceOrgInvite.*, orgInvites.*).
 */
const I = 'aaaaaaaaaaaaaaaaaaaaaaaa'
const O = 'bbbbbbbbbbbbbbbbbbbbbbbb'
const APP = 'cccccccccccccccccccccccc'
const QUERY = { _actions: false, _links: true, _embedded: true }
const DAY = 24 * 60 * 60 * 1000

interface Flow {
  emulator: RunningEmulator
  client: { request: (req: object, opts?: object) => Promise<any> }
  opts: object
  invite: (email: string, role?: string) => Promise<any>
  one: (method: 'GET' | 'DELETE' | 'POST', inviteId: string, data?: object) => Promise<any>
  lookUp: (email: string, token: string) => Promise<any>
  act: (email: string, token: string, accept: boolean) => Promise<any>
  tokenFor: (email: string) => Promise<string>
}

async function flow (t: TestContext): Promise<Flow> {
  const emulator = await startEmulator({ seed: { instances: [{ id: I, orgs: [{ id: O, name: 'Acme' }] }] } })
  t.after(() => emulator.stop())
  const { token } = await emulator.mintToken({ scope: ['all.Instance'] })
  const client = losant.createClient({ url: emulator.url })
  const opts = { accessToken: token, acceptVersion: '^1.30.0' }
  const base = `/instances/${I}/orgs/${O}/invites`
  return {
    emulator,
    client,
    opts,
    invite: async (email, role = 'view') => await client.request({ method: 'POST', url: base, data: { email, role }, headers: {}, params: QUERY }, opts),
    one: async (method, inviteId, data = {}) => await client.request({ method, url: `${base}/${inviteId}`, data, headers: {}, params: QUERY }, opts),
    // No access token: the invite's token and email are the credentials.
    lookUp: async (email, inviteToken) => await client.request({ method: 'GET', url: '/invites', data: {}, headers: {}, params: { ...QUERY, token: inviteToken, email } }),
    act: async (email, inviteToken, accept) => await client.request({ method: 'POST', url: '/invites', data: { email, token: inviteToken, accept }, headers: {}, params: QUERY }),
    tokenFor: async (email) => {
      const [latest] = await emulator.outbox({ email })
      assert.ok(latest !== undefined, `an e-mail to ${email}`)
      return latest.token
    }
  }
}

async function rejection (promise: Promise<unknown>): Promise<{ statusCode?: number, type?: string, message: string }> {
  try {
    await promise
  } catch (error) {
    const { statusCode, type, message } = error as { statusCode?: number, type?: string, message: string }
    return { statusCode, type, message }
  }
  throw new Error('expected the client to throw')
}

describe('invite lifecycle through losant-rest', () => {
  test('create, read the token from the outbox, look it up, accept: the invite is gone and the member exists', async (t) => {
    const f = await flow(t)
    const created = await f.invite('Ann@Example.com', 'edit')
    const inviteId = created.items[0].id
    const [message] = await f.emulator.outbox({ email: 'ANN@example.com' })
    assert.deepEqual({ ...message, token: typeof message!.token, id: typeof message!.id, sentAt: typeof message!.sentAt },
      { id: 'string', to: 'ann@example.com', instanceId: I, orgId: O, orgName: 'Acme', inviteId, role: 'edit', token: 'string', sentAt: 'string', state: 'pending' })
    assert.equal(message!.sentAt, created.items[0].inviteDate)

    const info = await f.lookUp('ann@example.com', message!.token)
    assert.deepEqual(info, { orgName: 'Acme', email: 'ann@example.com', role: 'edit', inviteDate: created.items[0].inviteDate, ttl: 7 * DAY })

    assert.deepEqual(await f.act('Ann@Example.com', message!.token, true), { accepted: true, orgId: O })
    assert.deepEqual(await rejection(f.one('GET', inviteId)), { statusCode: 404, type: 'NotFound', message: 'Invite was not found' })
    assert.deepEqual(await rejection(f.lookUp('ann@example.com', message!.token)), { statusCode: 404, type: 'NotFound', message: 'Invite was not found' })
    const snapshot = await f.emulator.snapshot()
    assert.deepEqual(snapshot.instances[0]!.orgs![0]!.members, [{ email: 'ann@example.com', role: 'edit' }])
    assert.deepEqual(snapshot.instances[0]!.orgs![0]!.invites, [])
  })

  test('reject: the invite is gone and no member is made', async (t) => {
    const f = await flow(t)
    await f.invite('bob@example.com')
    assert.deepEqual(await f.act('bob@example.com', await f.tokenFor('bob@example.com'), false), { accepted: false, orgId: O })
    const org = (await f.emulator.snapshot()).instances[0]!.orgs![0]!
    assert.deepEqual([org.invites, org.members], [[], []])
  })

  test('GET one invite; resend with new roles: 201, inviteDate restarted, a new token, the old one stops working', async (t) => {
    const f = await flow(t)
    const inviteId = (await f.invite('cat@example.com', 'admin')).items[0].id
    const oldToken = await f.tokenFor('cat@example.com')
    const read = await f.one('GET', inviteId)
    assert.deepEqual([read.id, read.email, read.role, read._type, read._links.self.href], [inviteId, 'cat@example.com', 'admin', 'instanceOrgInvite', `/instances/${I}/orgs/${O}/invites/${inviteId}`])

    await f.emulator.setClock({ offsetMs: 60_000 })
    const resent = await f.one('POST', inviteId, { role: 'view', applicationRoles: [{ resourceId: APP, role: 'collaborate' }] })
    assert.equal(resent.id, inviteId)
    assert.equal(resent.role, 'view')
    assert.deepEqual(resent.applicationRoles, [{ resourceId: APP, role: 'collaborate' }])
    assert.ok(Date.parse(resent.inviteDate) >= Date.parse(read.inviteDate) + 60_000)
    const newToken = await f.tokenFor('cat@example.com')
    assert.notEqual(newToken, oldToken)
    assert.equal((await f.emulator.outbox({ email: 'cat@example.com' })).length, 2)
    assert.deepEqual(await rejection(f.lookUp('cat@example.com', oldToken)), { statusCode: 404, type: 'NotFound', message: 'Invite was not found' })
    assert.equal((await f.lookUp('cat@example.com', newToken)).role, 'view')

    // An empty roleInfo resends as it is: roles kept.
    const plain = await f.one('POST', inviteId, {})
    assert.deepEqual([plain.role, plain.applicationRoles], ['view', [{ resourceId: APP, role: 'collaborate' }]])
  })

  test('delete: 200 success, then the invite is gone', async (t) => {
    const f = await flow(t)
    const inviteId = (await f.invite('dan@example.com')).items[0].id
    assert.deepEqual(await f.one('DELETE', inviteId), { success: true })
    assert.deepEqual(await rejection(f.one('DELETE', inviteId)), { statusCode: 404, type: 'NotFound', message: 'Invite was not found' })
    assert.deepEqual(await rejection(f.lookUp('dan@example.com', await f.tokenFor('dan@example.com'))), { statusCode: 404, type: 'NotFound', message: 'Invite was not found' })
  })

  test('moving the clock past the ttl: hasExpired true and 410 on /invites; back to real time: valid again', async (t) => {
    const f = await flow(t)
    const inviteId = (await f.invite('eve@example.com')).items[0].id
    const token = await f.tokenFor('eve@example.com')
    const moved = await f.emulator.setClock({ offsetMs: 7 * DAY + 1000 })
    assert.equal(moved.offsetMs, 7 * DAY + 1000)
    assert.equal((await f.one('GET', inviteId)).hasExpired, true)
    const gone = { statusCode: 410, type: 'Gone', message: 'Invite has expired' }
    assert.deepEqual(await rejection(f.lookUp('eve@example.com', token)), gone)
    assert.deepEqual(await rejection(f.act('eve@example.com', token, true)), gone)
    await f.emulator.setClock({ offsetMs: 0 })
    assert.equal((await f.one('GET', inviteId)).hasExpired, false)
    assert.equal((await f.lookUp('eve@example.com', token)).email, 'eve@example.com')
  })
})
