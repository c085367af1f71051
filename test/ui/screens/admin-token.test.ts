import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { assertAccessible, INSTANCE_ID, losantClient, openUi, ORG_ID, seedWith, useBrowser, waitForText } from '../support.js'

describe('UI: with --admin-token', () => {
  const browser = useBrowser()

  test('asks for the token once, says when it is wrong, then every screen works with it', async (t) => {
    const { emulator, page, uiUrl } = await openUi(t, browser(), { adminToken: 'open sesame', seed: seedWith([{ email: 'ann@example.com', role: 'view' }]) })
    const sentTokens = new Set<string>()
    page.on('request', (request) => {
      if (new URL(request.url()).pathname.startsWith('/_emulator/') && !request.url().includes('/_emulator/ui/')) sentTokens.add(request.headers().authorization ?? '(none)')
    })
    await page.goto(uiUrl)
    await page.getByRole('heading', { level: 1, name: 'Admin token' }).waitFor()
    await waitForText(page.getByRole('main'), 'started with an admin token')
    await assertAccessible(page, 'admin token')

    await page.getByLabel('Admin token').fill('open sesame?')
    await page.getByRole('button', { name: 'Use this token' }).click()
    await waitForText(page.getByRole('alert'), 'That admin token was not accepted: 401 Unauthorized: The control plane requires the admin token')
    await page.getByLabel('Admin token').fill('open sesame')
    await page.getByRole('button', { name: 'Use this token' }).click()
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor()
    await waitForText(page.getByRole('main'), 'Invites1')

    // Kept for the tab: a reload does not ask again.
    await page.reload()
    await waitForText(page.getByRole('main'), 'Invites1')
    await page.goto(`${uiUrl}#/orgs/${INSTANCE_ID}/${ORG_ID}`)
    await waitForText(page.getByRole('table'), '1 invite')
    await page.goto(`${uiUrl}#/requests`)
    await waitForText(page.getByRole('status').filter({ hasText: 'Live' }), 'Live')
    await (await losantClient(emulator)).listInvites(INSTANCE_ID, ORG_ID)
    await page.getByRole('cell').filter({ hasText: `GET /instances/${INSTANCE_ID}` }).first().waitFor()
    assert.deepEqual([...sentTokens].filter((value) => value !== 'Bearer open sesame'), ['(none)', 'Bearer open sesame?'], 'control-plane calls before and with the wrong token, then only the right one')

    // Another tab starts without it.
    const other = await page.context().newPage()
    await other.goto(uiUrl)
    await other.getByRole('heading', { level: 1, name: 'Admin token' }).waitFor()
  })

  test('a token that stops working (the server restarted with another) is asked again', async (t) => {
    const { page, uiUrl } = await openUi(t, browser(), { adminToken: 'new' })
    await page.addInitScript("sessionStorage.setItem('losant-emulator-admin-token', 'old')")
    await page.goto(uiUrl)
    await waitForText(page.getByRole('main'), 'did not accept the admin token this tab has')
    await page.getByLabel('Admin token').fill('new')
    await page.getByRole('button', { name: 'Use this token' }).click()
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor()
  })
})
