import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { buildWorld, createOrg, expectStatus, postInvite } from '../../helper.js'

describe('control plane: an org\'s invites page by page, its members, counts', () => {
  test('a page holds the Losant listing\'s items in its order and filter, with tokens; totalCount counts every match', async (t) => {
    const world = await buildWorld(t)
    const { app } = world
    for (const [email, role] of [['zed@example.com', 'view'], ['amy@example.com', 'admin'], ['bob@elsewhere.org', 'edit'], ['cy@example.com', 'view'], ['dee@example.com', 'edit']]) {
      expectStatus(await postInvite(world, { email, role }), 201)
    }
    const pagePath = `/_emulator/instances/${world.instanceId}/orgs/${world.orgId}/invites`
    const query = 'sortField=email&sortDirection=asc&filterField=email&filter=*@example.com'
    const losant = expectStatus(await app.inject({ method: 'GET', url: `${world.invitesPath}?${query}&_links=false`, headers: world.auth }), 200).json()
    const first = expectStatus(await app.inject({ method: 'GET', url: `${pagePath}?${query}&perPage=3` }), 200).json()
    const second = expectStatus(await app.inject({ method: 'GET', url: `${pagePath}?${query}&perPage=3&page=1` }), 200).json()
    const { items: firstItems, ...firstRest } = first
    assert.deepEqual(firstRest, {
      instanceId: world.instanceId, orgId: world.orgId, sortField: 'email', sortDirection: 'asc', filterField: 'email', filter: '*@example.com', page: 0, perPage: 3, totalCount: 4, count: 3
    })
    assert.deepEqual([second.page, second.count, second.totalCount], [1, 1, 4])
    // Every item as the Losant listing presents it (but its `_type`), and its token.
    const outbox = app.emulator.outbox()
    const pages = [...firstItems, ...second.items]
    assert.deepEqual(pages.map(({ token, ...invite }: any) => invite), losant.items.map(({ _type, ...invite }: any) => invite))
    for (const item of pages) assert.equal(item.token, outbox.find((m) => m.inviteId === item.id)!.token, item.email)
    assert.deepEqual(pages.map((i: any) => i.email), ['amy@example.com', 'cy@example.com', 'dee@example.com', 'zed@example.com'])

    // Defaults: inviteDate, newest first, page 0 of 100.
    const all = expectStatus(await app.inject({ method: 'GET', url: pagePath }), 200).json()
    assert.deepEqual([all.sortField, all.sortDirection, all.page, all.perPage, all.totalCount, 'filter' in all], ['inviteDate', 'desc', 0, 100, 5, false])
    assert.deepEqual(all.items.map((i: any) => i.email), expectStatus(await app.inject({ method: 'GET', url: world.invitesPath, headers: world.auth }), 200).json().items.map((i: any) => i.email))
    const beyond = expectStatus(await app.inject({ method: 'GET', url: `${pagePath}?page=9` }), 200).json()
    assert.deepEqual([beyond.count, beyond.totalCount, beyond.items], [0, 5, []])
  })

  test('the Losant listing\'s errors, in its order; bad page parameters and unknown ones are 400', async (t) => {
    const world = await buildWorld(t)
    const { app } = world
    const other = 'aaaaaaaaaaaaaaaaaaaaaaaa'
    const cases: Array<[string, number, string]> = [
      [`/_emulator/instances/${other}/orgs/${world.orgId}/invites`, 404, 'Instance was not found'],
      [`/_emulator/instances/${world.instanceId}/orgs/${other}/invites`, 404, 'Organization was not found'],
      [`/_emulator/instances/${world.instanceId}/orgs/${world.orgId}/invites?sortField=name`, 400, 'sortField must be an enum value'],
      [`/_emulator/instances/${world.instanceId}/orgs/${world.orgId}/invites?filterField=email&filter=${'a'.repeat(257)}`, 400, 'filter has longer length than allowed'],
      [`/_emulator/instances/${world.instanceId}/orgs/${world.orgId}/invites?page=-1`, 400, 'page pattern mismatch'],
      [`/_emulator/instances/${world.instanceId}/orgs/${world.orgId}/invites?perPage=1001`, 400, 'perPage pattern mismatch'],
      [`/_emulator/instances/${world.instanceId}/orgs/${world.orgId}/invites?perPage=0`, 400, 'perPage pattern mismatch'],
      [`/_emulator/instances/${world.instanceId}/orgs/${world.orgId}/invites?sort=email`, 400, 'query has additional properties (sort)'],
      [`/_emulator/instances/nope/orgs/${world.orgId}/invites`, 400, 'instanceId pattern mismatch'],
      [`/_emulator/instances/${world.instanceId}/orgs/${other}/members`, 404, 'Organization was not found']
    ]
    for (const [url, status, message] of cases) {
      const response = await app.inject({ method: 'GET', url })
      assert.deepEqual([response.statusCode, response.json()], [status, { type: status === 400 ? 'Validation' : 'NotFound', message }], url)
    }
    // The same message the Losant listing answers for a glob past its budget.
    const braces = encodeURIComponent('{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}')
    const losant = await app.inject({ method: 'GET', url: `${world.invitesPath}?filterField=email&filter=${braces}`, headers: world.auth })
    const page = await app.inject({ method: 'GET', url: `/_emulator/instances/${world.instanceId}/orgs/${world.orgId}/invites?filterField=email&filter=${braces}` })
    assert.deepEqual([page.statusCode, page.json()], [losant.statusCode, losant.json()])
    assert.equal(page.statusCode, 400)
  })

  test('members are the emails that accepted, with their roles; instances list each org\'s invite and member counts', async (t) => {
    const world = await buildWorld(t)
    const { app } = world
    for (const email of ['ann@example.com', 'bob@example.com', 'cy@example.com']) expectStatus(await postInvite(world, { email, role: 'edit' }), 201)
    const second = await createOrg(app, world.instanceId, { name: 'Second' })
    const membersPath = `/_emulator/instances/${world.instanceId}/orgs/${world.orgId}/members`
    assert.deepEqual(expectStatus(await app.inject({ method: 'GET', url: membersPath }), 200).json(), [])

    const answer = async (email: string, accept: boolean): Promise<void> => {
      const { token } = app.emulator.outbox(email)[0]!
      expectStatus(await app.inject({ method: 'POST', url: '/invites', payload: { email, token, accept } }), 200)
    }
    await answer('cy@example.com', true)
    await answer('ann@example.com', true)
    await answer('bob@example.com', false)
    assert.deepEqual(expectStatus(await app.inject({ method: 'GET', url: membersPath }), 200).json(), [{ email: 'ann@example.com', role: 'edit' }, { email: 'cy@example.com', role: 'edit' }])
    assert.deepEqual(app.emulator.snapshot().instances[0]!.orgs![0]!.members, [{ email: 'cy@example.com', role: 'edit' }, { email: 'ann@example.com', role: 'edit' }])

    expectStatus(await postInvite(world, { email: 'dee@example.com', role: 'view' }), 201)
    const [instance] = expectStatus(await app.inject({ method: 'GET', url: '/_emulator/instances' }), 200).json()
    assert.deepEqual(instance.orgs, [
      { id: world.orgId, name: `Organization ${world.orgId}`, invites: 1, members: 2 },
      { id: second.id, name: 'Second', invites: 0, members: 0 }
    ])
  })
})
