import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { assertAccessible, fetchJson, INSTANCE_ID, openUi, ORG_ID, useBrowser, waitForText, waitUntil } from '../support.js'

describe('UI: instances and orgs', () => {
  const browser = useBrowser()

  test('create an instance, then an org in it: the API lists both, and the org links to its invites', async (t) => {
    const { emulator, page, uiUrl } = await openUi(t, browser())
    await page.goto(`${uiUrl}#/orgs`)
    await waitForText(page.getByRole('main'), 'No instances yet')
    await assertAccessible(page, 'instances and orgs, empty')

    const newInstance = page.getByRole('form', { name: 'New instance' })
    await newInstance.getByLabel('Name').fill('Staging')
    await newInstance.getByRole('button', { name: 'Create instance' }).click()
    const created = await waitForText(newInstance.getByRole('status'), 'Instance Staging created')
    const instances = await fetchJson(`${emulator.url}/_emulator/instances`)
    assert.equal(instances.length, 1)
    assert.equal(instances[0].name, 'Staging')
    assert.ok(created.includes(instances[0].id))

    const newOrg = page.getByRole('form', { name: 'New organization' })
    await newOrg.getByLabel('Name').fill('Widgets')
    await newOrg.getByRole('button', { name: 'Create organization' }).click()
    await waitForText(newOrg.getByRole('status'), 'Organization Widgets created')
    const [instance] = await fetchJson(`${emulator.url}/_emulator/instances`)
    assert.deepEqual(instance.orgs.map((o: { name: string }) => o.name), ['Widgets'])

    await page.getByRole('list', { name: 'Organizations of Staging' }).getByRole('link', { name: 'Widgets' }).click()
    await page.getByRole('heading', { level: 1, name: 'Invites of Widgets' }).waitFor()
    assert.equal(new URL(page.url()).hash, `#/orgs/${instance.id}/${instance.orgs[0].id}`)
    await page.goBack()
    await page.getByRole('heading', { level: 1, name: 'Instances and orgs' }).waitFor()
    await assertAccessible(page, 'instances and orgs')
  })

  test('the server\'s own message when a create fails', async (t) => {
    const { emulator, page, uiUrl } = await openUi(t, browser())
    await page.goto(`${uiUrl}#/orgs`)
    const newInstance = page.getByRole('form', { name: 'New instance' })
    await newInstance.getByLabel('Id').fill('not-an-id')
    await newInstance.getByRole('button', { name: 'Create instance' }).click()
    const expected = await fetchJson(`${emulator.url}/_emulator/instances`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":"not-an-id"}' })
    assert.equal(await waitForText(newInstance.getByRole('alert'), expected.message), `400 Validation: ${expected.message}`)

    await newInstance.getByLabel('Id').fill('aaaaaaaaaaaaaaaaaaaaaaaa')
    await newInstance.getByRole('button', { name: 'Create instance' }).click()
    await waitForText(newInstance.getByRole('status'), 'created')
    await newInstance.getByLabel('Id').fill('aaaaaaaaaaaaaaaaaaaaaaaa')
    await newInstance.getByRole('button', { name: 'Create instance' }).click()
    assert.match(await waitForText(newInstance.getByRole('alert'), '409'), /^409 Conflict: /)
  })

  test('each org with its counts of invites and members, live; deleting an org or an instance asks first', async (t) => {
    const { emulator, page, uiUrl } = await openUi(t, browser(), {
      seed: {
        instances: [
          { id: INSTANCE_ID, name: 'Dev', orgs: [{ id: ORG_ID, name: 'Acme', invites: [{ email: 'ann@example.com', role: 'view' }], members: [{ email: 'owner@example.com', role: 'admin' }] }, { id: 'bbbbbbbbbbbbbbbbbbbbbbbb', name: 'Beta' }] },
          { id: 'aaaaaaaaaaaaaaaaaaaaaaaa', name: 'Staging', orgs: [] }
        ]
      }
    })
    await page.goto(`${uiUrl}#/orgs`)
    const acme = page.getByRole('list', { name: 'Organizations of Dev' }).getByRole('listitem').filter({ hasText: 'Acme' })
    await waitForText(acme, '1 invite, 1 member')
    const listed = await fetchJson(`${emulator.url}/_emulator/instances`)
    assert.deepEqual(listed[0].orgs.map((o: { name: string, invites: number, members: number }) => [o.name, o.invites, o.members]), [['Acme', 1, 1], ['Beta', 0, 0]])

    // An invite made elsewhere: the count follows without a reload.
    const { token } = await emulator.mintToken({ scope: ['all.Instance'] })
    await fetch(`${emulator.url}/instances/${INSTANCE_ID}/orgs/${ORG_ID}/invites`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"email":"bob@example.com","role":"view"}' })
    await waitForText(acme, '2 invites, 1 member')

    await page.getByRole('button', { name: 'Delete the organization Acme' }).click()
    const dialog = page.getByRole('dialog')
    await waitForText(dialog, 'Delete the organization Acme? Its 2 pending invites and 1 member go with it')
    await assertAccessible(page, 'instances and orgs, delete dialog')
    await dialog.getByRole('button', { name: 'Cancel' }).click()
    assert.equal((await fetchJson(`${emulator.url}/_emulator/instances`))[0].orgs.length, 2, 'cancel deletes nothing')
    assert.equal(await page.evaluate('document.activeElement.getAttribute("aria-label")'), 'Delete the organization Acme')

    await page.getByRole('button', { name: 'Delete the organization Acme' }).click()
    await dialog.getByRole('button', { name: 'Delete organization' }).click()
    await waitForText(page.getByRole('status').filter({ hasText: 'deleted' }), 'Organization Acme deleted.')
    assert.deepEqual((await fetchJson(`${emulator.url}/_emulator/instances`))[0].orgs.map((o: { name: string }) => o.name), ['Beta'])
    // The focus goes to its instance's heading.
    await waitUntil(page, 'document.activeElement.tagName === "H2" && document.activeElement.textContent.startsWith("Dev")')

    await page.getByRole('button', { name: 'Delete the instance Staging' }).click()
    await waitForText(dialog, 'Delete the instance Staging? Its 0 organizations and 0 pending invites go with it')
    await dialog.getByRole('button', { name: 'Delete instance' }).click()
    await waitForText(page.getByRole('status').filter({ hasText: 'deleted' }), 'Instance Staging deleted.')
    assert.deepEqual((await fetchJson(`${emulator.url}/_emulator/instances`)).map((i: { name: string }) => i.name), ['Dev'])
    await waitUntil(page, 'document.activeElement.tagName === "H1"')
  })
})
