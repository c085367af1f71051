import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { assertAccessible, INSTANCE_ID, losantClient, openUi, ORG_ID, seedWith, useBrowser, waitForText } from '../support.js'

describe('UI: outbox', () => {
  const browser = useBrowser()

  test('the invite e-mails, newest first, filtered by address; accept removes the invite', async (t) => {
    const { emulator, page, uiUrl } = await openUi(t, browser(), { seed: seedWith() })
    const client = await losantClient(emulator)
    for (const email of ['ann@example.com', 'bob@example.com', 'cy@example.com']) await client.postInvite(INSTANCE_ID, ORG_ID, { email, role: 'view' })
    await page.goto(`${uiUrl}#/outbox`)
    await waitForText(page.getByRole('main'), '3 e-mails, newest first')
    const headings = await page.getByRole('heading', { level: 2 }).allInnerTexts()
    assert.deepEqual(headings, (await emulator.outbox()).map((m) => `Invitation to ${m.to}`))
    assert.deepEqual(headings, ['Invitation to cy@example.com', 'Invitation to bob@example.com', 'Invitation to ann@example.com'])
    await assertAccessible(page, 'outbox')

    await page.getByLabel('To address').fill('BOB@example.com')
    await page.getByRole('button', { name: 'Filter' }).click()
    await waitForText(page.getByRole('main'), '1 e-mail to BOB@example.com')
    assert.deepEqual(await page.getByRole('heading', { level: 2 }).allInnerTexts(), ['Invitation to bob@example.com'])

    const message = page.getByRole('listitem').filter({ hasText: 'Invitation to bob@example.com' })
    await message.getByRole('button', { name: /^View the invite/ }).click()
    await waitForText(message.getByRole('status'), '200: an invite to Acme as view')
    await message.getByRole('button', { name: /^Accept the invite/ }).click()
    await waitForText(message.getByRole('status'), `200: accepted; the invite is gone and bob@example.com is a member of org ${ORG_ID}`)
    assert.deepEqual((await client.listInvites(INSTANCE_ID, ORG_ID, { sortField: 'email', sortDirection: 'asc' })).items.map((i) => i.email), ['ann@example.com', 'cy@example.com'])
    const snapshot = await emulator.snapshot()
    assert.deepEqual(snapshot.instances[0]!.orgs![0]!.members, [{ email: 'bob@example.com', role: 'view' }])

    // The same link again: the invite is gone, and the page shows the API's 404.
    await message.getByRole('button', { name: /^Reject the invite/ }).click()
    await waitForText(message.getByRole('status'), '404 NotFound: Invite was not found')
    await page.goBack()
    await waitForText(page.getByRole('main'), '3 e-mails, newest first')
  })

  test('an expired invite answers 410; reject removes a pending one', async (t) => {
    const { emulator, page, uiUrl } = await openUi(t, browser(), { seed: seedWith() })
    const client = await losantClient(emulator)
    await client.postInvite(INSTANCE_ID, ORG_ID, { email: 'late@example.com', role: 'edit' })
    await client.postInvite(INSTANCE_ID, ORG_ID, { email: 'no@example.com', role: 'edit' })
    await page.goto(`${uiUrl}#/outbox`)
    await emulator.setClock({ offsetMs: 8 * 24 * 3600 * 1000 })
    const late = page.getByRole('listitem').filter({ hasText: 'Invitation to late@example.com' })
    await late.getByRole('button', { name: /^Accept the invite/ }).click()
    await waitForText(late.getByRole('status'), '410 Gone: Invite has expired')
    await emulator.setClock({ offsetMs: 0 })
    const no = page.getByRole('listitem').filter({ hasText: 'Invitation to no@example.com' })
    await no.getByRole('button', { name: /^Reject the invite/ }).click()
    await waitForText(no.getByRole('status'), '200: rejected; the invite is gone')
    assert.deepEqual((await client.listInvites(INSTANCE_ID, ORG_ID)).items.map((i) => i.email), ['late@example.com'])

    await page.getByRole('button', { name: 'Empty the outbox…' }).click()
    await page.getByRole('dialog').getByRole('button', { name: 'Empty the outbox' }).click()
    await waitForText(page.getByRole('status').filter({ hasText: 'empty' }), 'The outbox is empty.')
    assert.deepEqual(await emulator.outbox(), [])
    await waitForText(page.getByRole('main'), '0 e-mails')
  })
})
