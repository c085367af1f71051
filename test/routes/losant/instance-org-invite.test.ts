import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { buildWorld, expectStatus, postInvite, type World } from '../../helper.js'

const OTHER = 'dddddddddddddddddddddddd'

async function createInvite (world: World, email = 'one@example.com'): Promise<string> {
  return expectStatus(await postInvite(world, { email, role: 'view' }), 201).json().items[0].id
}

describe('one invite: GET, DELETE, POST (resend)', () => {
  test('404s in order: instance, organization, invite', async (t) => {
    const world = await buildWorld(t)
    const inviteId = await createInvite(world)
    const cases: Array<[string, string]> = [
      [`/instances/${OTHER}/orgs/${world.orgId}/invites/${inviteId}`, 'Instance was not found'],
      [`/instances/${world.instanceId}/orgs/${OTHER}/invites/${inviteId}`, 'Organization was not found'],
      [`${world.invitesPath}/${OTHER}`, 'Invite was not found']
    ]
    for (const method of ['GET', 'DELETE', 'POST'] as const) {
      for (const [url, message] of cases) {
        const response = await world.app.inject({ method, url, headers: world.auth, ...(method === 'POST' ? { payload: {} } : {}) })
        assert.deepEqual([response.statusCode, response.json()], [404, { type: 'NotFound', message }], `${method} ${url}`)
      }
    }
  })

  test('an invite of another org is not found through this org', async (t) => {
    const world = await buildWorld(t)
    const inviteId = await createInvite(world)
    const other = expectStatus(await world.app.inject({ method: 'POST', url: `/_emulator/instances/${world.instanceId}/orgs`, payload: {} }), 201).json().id
    const response = await world.app.inject({ method: 'GET', url: `/instances/${world.instanceId}/orgs/${other}/invites/${inviteId}`, headers: world.auth })
    assert.deepEqual(response.json(), { type: 'NotFound', message: 'Invite was not found' })
  })

  test('validation: ids, and the resend body as roleInfo', async (t) => {
    const world = await buildWorld(t)
    const inviteId = await createInvite(world)
    const url = `${world.invitesPath}/${inviteId}`
    const bad = await world.app.inject({ method: 'GET', url: `${world.invitesPath}/nope` })
    assert.deepEqual(bad.json(), { type: 'Validation', message: 'inviteId pattern mismatch' })
    const cases: Array<[unknown, string]> = [
      [undefined, 'roleInfo is required'],
      [{ role: 'view', email: 'x@y' }, 'roleInfo has additional properties'],
      [{ role: 'owner' }, 'roleInfo.role must be an enum value'],
      [{ dashboardRoles: [{ resourceId: 'x', role: 'view' }] }, 'roleInfo.dashboardRoles.0.resourceId pattern mismatch'],
      [[], 'roleInfo is the wrong type']
    ]
    for (const [body, message] of cases) {
      const response = await world.app.inject({ method: 'POST', url, headers: { ...world.auth, 'content-type': 'application/json' }, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) })
      assert.deepEqual([response.statusCode, response.json()], [400, { type: 'Validation', message }], message)
    }
  })

  test('no token: 403; after validation', async (t) => {
    const world = await buildWorld(t)
    const inviteId = await createInvite(world)
    const response = await world.app.inject({ method: 'DELETE', url: `${world.invitesPath}/${inviteId}` })
    assert.deepEqual([response.statusCode, response.json()], [403, { type: 'Forbidden', message: 'Access is forbidden' }])
  })
})

describe('/invites: look up, accept, reject', () => {
  test('validation literals for the query and the action body', async (t) => {
    const world = await buildWorld(t)
    const queries: Array<[string, string]> = [
      ['', 'token is required'],
      ['?token=x', 'email is required'],
      ['?token=x&token=y&email=a@b', 'token is the wrong type']
    ]
    for (const [query, message] of queries) {
      const response = await world.app.inject({ method: 'GET', url: `/invites${query}` })
      assert.deepEqual([response.statusCode, response.json()], [400, { type: 'Validation', message }], query)
    }
    const bodies: Array<[unknown, string]> = [
      [undefined, 'invite is required'],
      [{ email: 'a@b', token: 't' }, 'invite.accept is required'],
      [{ email: 'a@b', token: '', accept: true }, 'invite.token has less length than allowed'],
      [{ email: 'a@b', token: 't', accept: 'yes' }, 'invite.accept is the wrong type'],
      [{ email: 'nope', token: 't', accept: true }, 'invite.email must be email format'],
      [{ email: 'a@b', token: 't', accept: true, orgId: 'x' }, 'invite has additional properties']
    ]
    for (const [body, message] of bodies) {
      const response = await world.app.inject({ method: 'POST', url: '/invites', headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) })
      assert.deepEqual([response.statusCode, response.json()], [400, { type: 'Validation', message }], message)
    }
  })

  test('an unknown pair is 404, a wrong token for a real email too; no bearer token is needed', async (t) => {
    const world = await buildWorld(t)
    await createInvite(world, 'real@example.com')
    const notFound = { type: 'NotFound', message: 'Invite was not found' }
    for (const query of ['?token=nope&email=real@example.com', '?token=nope&email=nobody@example.com']) {
      const response = await world.app.inject({ method: 'GET', url: `/invites${query}` })
      assert.deepEqual([response.statusCode, response.json()], [404, notFound])
    }
    const post = await world.app.inject({ method: 'POST', url: '/invites', payload: { email: 'real@example.com', token: 'nope', accept: true } })
    assert.deepEqual([post.statusCode, post.json()], [404, notFound])
  })

  test('the same email invited to two orgs: each token finds its own invite', async (t) => {
    const world = await buildWorld(t)
    await createInvite(world, 'two@example.com')
    const otherOrg = expectStatus(await world.app.inject({ method: 'POST', url: `/_emulator/instances/${world.instanceId}/orgs`, payload: { name: 'Other' } }), 201).json().id
    expectStatus(await world.app.inject({ method: 'POST', url: `/instances/${world.instanceId}/orgs/${otherOrg}/invites`, headers: world.auth, payload: { email: 'two@example.com', role: 'admin' } }), 201)
    const [newest, oldest] = world.app.emulator.outbox('two@example.com')
    const first = expectStatus(await world.app.inject({ method: 'GET', url: `/invites?token=${oldest!.token}&email=two@example.com` }), 200).json()
    const second = expectStatus(await world.app.inject({ method: 'GET', url: `/invites?token=${newest!.token}&email=TWO@example.com` }), 200).json()
    assert.deepEqual([first.role, second.role, second.orgName], ['view', 'admin', 'Other'])
    const accepted = expectStatus(await world.app.inject({ method: 'POST', url: '/invites', payload: { email: 'two@example.com', token: newest!.token, accept: true } }), 200).json()
    assert.deepEqual(accepted, { accepted: true, orgId: otherOrg })
    expectStatus(await world.app.inject({ method: 'GET', url: `/invites?token=${oldest!.token}&email=two@example.com` }), 200)
  })
})
