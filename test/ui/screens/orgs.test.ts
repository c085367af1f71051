import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { assertAccessible, fetchJson, openUi, useBrowser, waitForText } from '../support.js'

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
})
