import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { assertAccessible, INSTANCE_ID, losantClient, openUi, ORG_ID, screenshotPath, seedWith, useBrowser, waitForText } from '../support.js'

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
    await waitForText(message.getByRole('status').filter({ hasText: '200' }), '200: an invite to Acme as view')
    await message.getByRole('button', { name: /^Accept the invite/ }).click()
    await waitForText(message.getByRole('status').filter({ hasText: 'accepted' }), `200: accepted; the invite is gone and bob@example.com is a member of org ${ORG_ID}`)
    assert.deepEqual((await client.listInvites(INSTANCE_ID, ORG_ID, { sortField: 'email', sortDirection: 'asc' })).items.map((i) => i.email), ['ann@example.com', 'cy@example.com'])
    const snapshot = await emulator.snapshot()
    assert.deepEqual(snapshot.instances[0]!.orgs![0]!.members, [{ email: 'bob@example.com', role: 'view' }])

    // The same link again: the invite is gone, and the page shows the API's 404.
    await message.getByRole('button', { name: /^Reject the invite/ }).click()
    await waitForText(message.getByRole('status').filter({ hasText: '404' }), '404 NotFound: Invite was not found')
    // The e-mail is marked: its links no longer work.
    await waitForText(message, 'Stale: accepted')
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
    await waitForText(late, 'Expired')
    await late.getByRole('button', { name: /^Accept the invite/ }).click()
    await waitForText(late.getByRole('status').filter({ hasText: '410' }), '410 Gone: Invite has expired')
    await emulator.setClock({ offsetMs: 0 })
    const no = page.getByRole('listitem').filter({ hasText: 'Invitation to no@example.com' })
    await no.getByRole('button', { name: /^Reject the invite/ }).click()
    await waitForText(no.getByRole('status').filter({ hasText: '200' }), '200: rejected; the invite is gone')
    assert.deepEqual((await client.listInvites(INSTANCE_ID, ORG_ID)).items.map((i) => i.email), ['late@example.com'])

    await page.getByRole('button', { name: 'Empty the outbox…' }).click()
    await page.getByRole('dialog').getByRole('button', { name: 'Empty the outbox' }).click()
    await waitForText(page.getByRole('status').filter({ hasText: 'empty' }), 'The outbox is empty.')
    assert.deepEqual(await emulator.outbox(), [])
    await waitForText(page.getByRole('main'), '0 e-mails')
    await waitForText(page.getByRole('main'), 'No e-mails yet. Every invite sent leaves here the e-mail the real service would send')
    await assertAccessible(page, 'outbox, empty')
  })

  test('each e-mail as an e-mail: to, subject, text, the org\'s name and the role; the older one marked stale; live after a fetch', async (t) => {
    const { emulator, page, uiUrl } = await openUi(t, browser(), { seed: seedWith() })
    const { token } = await emulator.mintToken({ scope: ['all.Instance'] })
    const invite = async (email: string, role: string): Promise<void> => {
      const answer = await fetch(`${emulator.url}/instances/${INSTANCE_ID}/orgs/${ORG_ID}/invites`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ email, role }) })
      assert.equal(answer.status, 201)
    }
    await page.goto(`${uiUrl}#/outbox`)
    await waitForText(page.getByRole('main'), 'No e-mails yet')

    // Made with fetch while the page is open: it shows without a reload.
    const sent = Date.now()
    await invite('ann@example.com', 'view')
    const first = page.getByRole('listitem').filter({ hasText: 'Invitation to ann@example.com' })
    await waitForText(first, 'Pending')
    t.diagnostic(`an invite posted with fetch showed in the outbox ${Date.now() - sent} ms after its answer`)
    const text = await first.innerText()
    for (const part of ['To\nann@example.com', 'Subject\nYou are invited to join Acme on Losant', 'Organization\nAcme', 'Role\nview', 'You have been invited to join the organization Acme on Losant with the role "view".', 'Accept the invitation: ', 'Decline it: ']) {
      assert.ok(text.includes(part), `${JSON.stringify(part)} in ${text}`)
    }

    // Invited again (a new role): the new e-mail works, the older one is marked and its link answers 404.
    await invite('ann@example.com', 'admin')
    await waitForText(page.getByRole('main'), '2 e-mails, newest first')
    const [newer, older] = await emulator.outbox()
    const messages = page.getByRole('listitem').filter({ hasText: 'Invitation to ann@example.com' })
    await waitForText(messages.nth(1), 'Stale: a newer e-mail replaced it')
    assert.ok((await messages.nth(1).innerText()).includes('Role\nview'))
    await waitForText(messages.nth(0), 'Pending')
    assert.ok((await messages.nth(0).innerText()).includes('Role\nadmin'))
    assert.deepEqual([newer!.state, older!.state], ['pending', 'replaced'])
    const lookup = await fetch(`${emulator.url}/invites?email=ann@example.com&token=${older!.token}`)
    assert.equal(lookup.status, 404)
    await assertAccessible(page, 'outbox, a stale e-mail')
    await page.setViewportSize({ width: 1100, height: 900 })
    await page.screenshot({ path: screenshotPath('ui-outbox.png') })

    // The newer e-mail's accept link, copied, works against the emulator: it opens the invitee's page, which accepts.
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'])
    await messages.nth(0).getByRole('button', { name: /^Copy accept link/ }).click()
    const link = await page.evaluate('navigator.clipboard.readText()') as string
    assert.ok(link.startsWith(uiUrl), link)
    const invitee = await page.context().newPage()
    await invitee.goto(link)
    await invitee.getByRole('heading', { level: 1, name: 'Invitation for ann@example.com' }).waitFor()
    const details = await waitForText(invitee.getByRole('main'), 'Role')
    assert.ok(details.includes('OrganizationAcme') && details.includes('Roleadmin'), details)
    await assertAccessible(invitee, 'invitation')
    assert.equal(await invitee.evaluate('document.activeElement.textContent'), 'Accept the invitation', 'the link\'s answer has the focus')
    await invitee.getByRole('button', { name: 'Accept the invitation' }).click()
    await waitForText(invitee.getByRole('status').filter({ hasText: 'Accepted' }), 'Accepted: ann@example.com is now a member of Acme')
    assert.deepEqual((await emulator.snapshot()).instances[0]!.orgs![0]!.members, [{ email: 'ann@example.com', role: 'admin' }])
    // Back in the outbox, live: both e-mails are stale now.
    await waitForText(messages.nth(0), 'Stale: accepted')
    // The same link again: the page says it no longer works.
    await invitee.reload()
    await waitForText(invitee.getByRole('alert'), '404 NotFound: Invite was not found')
    await waitForText(invitee.getByRole('main'), 'This link no longer works')
  })
})
