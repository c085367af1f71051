import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { Page } from 'playwright-core'
import { assertAccessible, INSTANCE_ID, losantClient, openUi, ORG_ID, screenshotPath, seedWith, useBrowser, waitForText, waitUntil } from '../support.js'

/** The emails in the table, top to bottom. */
async function shownEmails (page: Page): Promise<string[]> {
  const rows = page.getByRole('table').first().getByRole('row')
  const emails: string[] = []
  for (const row of await rows.all()) {
    const cells = row.getByRole('cell')
    if (await cells.count() > 0) emails.push(await cells.first().innerText())
  }
  return emails
}

// The page's own globals, in the code the tests run in it (this project's TypeScript has no DOM types).
declare const document: { querySelector: (selector: string) => { textContent: string | null } | null, body: unknown }
declare const MutationObserver: new (callback: () => void) => { observe: (target: unknown, options: object) => void, disconnect: () => void }
declare const requestAnimationFrame: (callback: () => void) => void

const invitesUrl = (uiUrl: string, query = ''): string => `${uiUrl}#/orgs/${INSTANCE_ID}/${ORG_ID}${query}`

describe('UI: invites of an org', () => {
  const browser = useBrowser()

  test('lists the invites with expired ones marked; invite someone, and the official client lists them', async (t) => {
    const { emulator, page, uiUrl } = await openUi(t, browser(), {
      seed: seedWith([
        { email: 'ann@example.com', role: 'view' },
        { email: 'bob@example.com', role: 'admin' },
        { email: 'old@example.org', role: 'edit', inviteDate: '2024-01-01T00:00:00.000Z' }
      ])
    })
    const client = await losantClient(emulator)
    await page.goto(invitesUrl(uiUrl))
    await page.getByRole('heading', { level: 1, name: 'Invites of Acme' }).waitFor()
    await waitForText(page.getByRole('table'), '3 invites')
    const listed = await client.listInvites(INSTANCE_ID, ORG_ID)
    assert.deepEqual(await shownEmails(page), listed.items.map((i) => i.email))
    const expiredRow = page.getByRole('row').filter({ hasText: 'old@example.org' })
    await waitForText(expiredRow, 'Expired')
    assert.ok(!(await page.getByRole('row').filter({ hasText: 'ann@example.com' }).innerText()).includes('Expired'))

    const form = page.getByRole('form', { name: 'Invite someone' })
    await form.getByLabel('Email').fill('carol@example.com')
    await form.getByLabel('Role').selectOption('edit')
    await form.getByRole('button', { name: 'Invite' }).click()
    await waitForText(form.getByRole('status'), 'Invited carol@example.com as edit')
    const after = await client.listInvites(INSTANCE_ID, ORG_ID)
    assert.deepEqual(after.items.map((i) => [i.email, i.role]).find(([email]) => email === 'carol@example.com'), ['carol@example.com', 'edit'])
    await waitForText(page.getByRole('table'), '4 invites')
    assert.deepEqual(await shownEmails(page), after.items.map((i) => i.email))
    await assertAccessible(page, 'invites')
    await page.setViewportSize({ width: 1100, height: 760 })
    await page.screenshot({ path: screenshotPath('ui-invites.png') })

    await form.getByLabel('Email').fill('not an email')
    await form.getByRole('button', { name: 'Invite' }).click()
    const refused = await client.postInvite(INSTANCE_ID, ORG_ID, { email: 'not an email', role: 'view' }).catch((error: Error & { statusCode: number, type: string }) => error)
    assert.ok(refused instanceof Error)
    assert.equal(await waitForText(form.getByRole('alert'), refused.message), `${(refused as { statusCode?: number }).statusCode} ${(refused as { type?: string }).type}: ${refused.message}`)
  })

  test('filter and sort are the API\'s own; the URL keeps them and the back button returns', async (t) => {
    const { emulator, page, uiUrl } = await openUi(t, browser(), {
      seed: seedWith([
        { email: 'zed@example.com', role: 'view' },
        { email: 'amy@example.com', role: 'admin' },
        { email: 'bob@elsewhere.org', role: 'edit' },
        { email: 'cy@example.com', role: 'view' }
      ])
    })
    const client = await losantClient(emulator)
    await page.goto(invitesUrl(uiUrl))
    await waitForText(page.getByRole('table'), '4 invites')
    const filters = page.getByRole('form', { name: 'Filter and sort' })
    await filters.getByLabel('Filter on').selectOption('email')
    await filters.getByLabel('Filter', { exact: true }).fill('*@example.com')
    await filters.getByLabel('Sort by').selectOption('email')
    await filters.getByLabel('Direction').selectOption('asc')
    await filters.getByRole('button', { name: 'Apply' }).click()
    await waitForText(page.getByRole('table'), '3 invites whose email matches *@example.com')
    const expected = await client.listInvites(INSTANCE_ID, ORG_ID, { filterField: 'email', filter: '*@example.com', sortField: 'email', sortDirection: 'asc' })
    assert.deepEqual(await shownEmails(page), expected.items.map((i) => i.email))
    assert.deepEqual(await shownEmails(page), ['amy@example.com', 'cy@example.com', 'zed@example.com'])
    const hash = new URLSearchParams(new URL(page.url()).hash.split('?')[1])
    assert.deepEqual(Object.fromEntries(hash), { sortField: 'email', sortDirection: 'asc', filterField: 'email', filter: '*@example.com' })

    await filters.getByLabel('Filter on').selectOption('role')
    await filters.getByLabel('Filter', { exact: true }).fill('{admin,edit}')
    await filters.getByRole('button', { name: 'Apply' }).click()
    await waitForText(page.getByRole('table'), '2 invites whose role matches {admin,edit}')
    await page.goBack()
    await waitForText(page.getByRole('table'), '3 invites whose email matches *@example.com')
    assert.equal(await filters.getByLabel('Filter', { exact: true }).inputValue(), '*@example.com')
    assert.deepEqual([await filters.getByLabel('Filter on').inputValue(), await filters.getByLabel('Sort by').inputValue(), await filters.getByLabel('Direction').inputValue()], ['email', 'email', 'asc'])

    const answer = await fetch(`${emulator.url}/instances/${INSTANCE_ID}/orgs/${ORG_ID}/invites?filterField=email&filter=${encodeURIComponent('{'.repeat(300))}`, {
      headers: { authorization: `Bearer ${(await emulator.mintToken({ scope: ['all.Instance'] })).token}` }
    })
    assert.equal(answer.status, 400)
    await filters.getByLabel('Filter', { exact: true }).fill('{'.repeat(300))
    await filters.getByRole('button', { name: 'Apply' }).click()
    await waitForText(page.getByRole('alert').filter({ hasText: 'Could not load' }), ((await answer.json()) as { message: string }).message)
  })

  test('resend sends a new e-mail; delete asks first, removes the invite from the API, and the focus moves to the next row', async (t) => {
    const { emulator, page, uiUrl } = await openUi(t, browser(), {
      seed: seedWith([
        { email: 'ann@example.com', role: 'view', inviteDate: '2026-01-03T00:00:00.000Z' },
        { email: 'bob@example.com', role: 'edit', inviteDate: '2026-01-02T00:00:00.000Z' },
        { email: 'cy@example.com', role: 'edit', inviteDate: '2026-01-01T00:00:00.000Z' }
      ])
    })
    const client = await losantClient(emulator)
    await page.goto(`${invitesUrl(uiUrl)}?sortField=email&sortDirection=asc`)
    await waitForText(page.getByRole('table'), '3 invites')

    await page.getByRole('button', { name: 'Resend the invite to ann@example.com' }).click()
    await waitForText(page.getByRole('status').filter({ hasText: 'sent again' }), 'Invite to ann@example.com sent again')
    assert.equal((await emulator.outbox({ email: 'ann@example.com' })).length, 1)

    // Asked first: cancel changes nothing, and the focus is back on the button.
    await page.getByRole('button', { name: 'Delete the invite to bob@example.com' }).click()
    const dialog = page.getByRole('dialog')
    await waitForText(dialog, 'Delete the invite to bob@example.com?')
    await assertAccessible(page, 'invites, delete dialog')
    await dialog.getByRole('button', { name: 'Cancel' }).click()
    assert.equal(await dialog.isVisible(), false)
    assert.equal(await page.evaluate('document.activeElement.getAttribute("aria-label")'), 'Delete the invite to bob@example.com')
    assert.equal((await client.listInvites(INSTANCE_ID, ORG_ID)).count, 3, 'cancel deletes nothing')

    await page.getByRole('button', { name: 'Delete the invite to bob@example.com' }).click()
    await dialog.getByRole('button', { name: 'Delete invite' }).click()
    await waitForText(page.getByRole('status').filter({ hasText: 'deleted' }), 'Invite to bob@example.com deleted')
    assert.deepEqual((await client.listInvites(INSTANCE_ID, ORG_ID, { sortField: 'email', sortDirection: 'asc' })).items.map((i) => i.email), ['ann@example.com', 'cy@example.com'])
    await waitForText(page.getByRole('table'), '2 invites')
    // The row that took its place has the focus, not the page's body.
    await waitUntil(page, 'document.activeElement.textContent === "cy@example.com"')
    assert.equal(await page.evaluate('document.activeElement.tagName'), 'BUTTON')

    // Deleted by someone else just before the page's resend arrives: the API's 404 is what the page says.
    const [ann] = (await client.listInvites(INSTANCE_ID, ORG_ID)).items
    const { token } = await emulator.mintToken({ scope: ['all.Instance'] })
    const annPath = `/instances/${INSTANCE_ID}/orgs/${ORG_ID}/invites/${ann!.id}`
    await page.route(`**${annPath}`, async (route) => {
      await fetch(`${emulator.url}${annPath}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } })
      await route.continue()
    })
    await page.getByRole('button', { name: 'Resend the invite to ann@example.com' }).click()
    await waitForText(page.getByRole('alert').filter({ hasText: '404' }), '404 NotFound: Invite was not found')
  })

  test('live: an invite made, accepted or deleted by a request made with fetch shows without a reload; members and the invite\'s detail', async (t) => {
    const { emulator, page, uiUrl } = await openUi(t, browser(), {
      seed: {
        instances: [{
          id: INSTANCE_ID,
          name: 'Dev',
          orgs: [{
            id: ORG_ID,
            name: 'Acme',
            invites: [{ email: 'ann@example.com', role: 'view', disallowTransfer: true, applicationRoles: [{ resourceId: '575ec8687ae143cd83dc4a9a', role: 'collaborate' }] }],
            members: [{ email: 'owner@example.com', role: 'admin' }]
          }]
        }]
      }
    })
    const { token } = await emulator.mintToken({ scope: ['all.Instance'] })
    const invites = `${emulator.url}/instances/${INSTANCE_ID}/orgs/${ORG_ID}/invites`
    await page.goto(invitesUrl(uiUrl))
    await page.getByRole('table', { name: '1 invite', exact: true }).waitFor()
    const members = page.getByRole('region', { name: 'Members' })
    await waitForText(members, 'owner@example.com')

    const posted = Date.now()
    await fetch(invites, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"email":"bob@example.com","role":"edit"}' })
    await page.getByRole('table', { name: '2 invites', exact: true }).waitFor()
    const shownAfter = Date.now() - posted
    assert.deepEqual(await shownEmails(page), ['bob@example.com', 'ann@example.com'])

    // Accepted through /invites by someone else: the invite goes, a member comes.
    const [bobMail] = await emulator.outbox({ email: 'bob@example.com' })
    await fetch(`${emulator.url}/invites`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'bob@example.com', token: bobMail!.token, accept: true }) })
    await page.getByRole('table', { name: '1 invite', exact: true }).waitFor()
    await waitForText(members, 'bob@example.com')
    const memberRows = await members.getByRole('row').allInnerTexts()
    assert.deepEqual(memberRows.slice(1).map((row) => row.split('\t').map((cell) => cell.trim())), [['bob@example.com', 'edit'], ['owner@example.com', 'admin']])
    t.diagnostic(`an invite posted with fetch was on screen ${shownAfter} ms after its answer`)

    // The invite's detail: what the API says, and its token (as the outbox has it).
    await page.getByRole('button', { name: 'ann@example.com', exact: true }).click()
    const detail = page.getByRole('region', { name: 'Invite to ann@example.com' })
    const text = await waitForText(detail, 'Application roles')
    const listed = await (await fetch(invites, { headers: { authorization: `Bearer ${token}` } })).json() as { items: Array<{ id: string }> }
    const snapshot = await emulator.snapshot()
    const seeded = snapshot.instances[0]!.orgs![0]!.invites![0]!
    for (const part of [`Id${listed.items[0]!.id}`, 'Roleview', 'Application roles575ec8687ae143cd83dc4a9a: collaborate', 'Dashboard rolesnone', 'Transfernot allowed', `Link token${seeded.token}`]) {
      assert.ok(text.includes(part), `${part} in ${text}`)
    }
    await assertAccessible(page, 'invites, details and members')
    await detail.getByRole('button', { name: 'Close details' }).click()
    assert.equal(await page.evaluate('document.activeElement.textContent'), 'ann@example.com')

    // Deleted by someone else while on screen.
    await fetch(`${invites}/${listed.items[0]!.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } })
    await waitForText(page.getByRole('main'), 'No invites yet')
  })

  test('a glob with an unclosed [ is explained as the API takes it: the character itself', async (t) => {
    const { emulator, page, uiUrl } = await openUi(t, browser(), { seed: seedWith([{ email: 'ann@example.com', role: 'view' }]) })
    const client = await losantClient(emulator)
    const filter = '[a-c*'
    const expected = await client.listInvites(INSTANCE_ID, ORG_ID, { filterField: 'email', filter })
    assert.equal(expected.count, 0, 'the API matches no email with it')
    await page.goto(invitesUrl(uiUrl, `?filterField=email&filter=${encodeURIComponent(filter)}`))
    await waitForText(page.getByRole('table'), '0 invites whose email matches [a-c*')
    await waitForText(page.getByRole('note'), 'The [ at character 1 is never closed: the API takes it as the character [ itself')
    await waitForText(page.getByRole('main'), 'No invite\'s email matches [a-c*.')
    // Closed, it is a class, and the note goes.
    await page.goto(invitesUrl(uiUrl, `?filterField=email&filter=${encodeURIComponent('[a-c]*')}`))
    await waitForText(page.getByRole('table'), '1 invite whose email matches [a-c]*')
    assert.equal(await page.getByRole('note').count(), 0)
  })

  test('10,000 invites: the first page shows soon after the page opens, and paging stays responsive (figures in the log)', async (t) => {
    const roles = ['admin', 'edit', 'collaborate', 'view']
    const invites = Array.from({ length: 10_000 }, (_, i) => ({ email: `user${String(i).padStart(5, '0')}@example.com`, role: roles[i % 4]! }))
    const { page, uiUrl } = await openUi(t, browser(), { seed: seedWith(invites) })
    // Measured in the page: when the first table row appears, and every task that blocked the main thread.
    await page.addInitScript(`
      window.__longTasks = []
      new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push(e.duration) }).observe({ type: 'longtask', buffered: true })
      new MutationObserver((_, observer) => {
        if (document.querySelector('tbody tr') !== null) { window.__firstRowAt = performance.now(); observer.disconnect() }
      }).observe(document, { childList: true, subtree: true })
    `)
    await page.goto(invitesUrl(uiUrl))
    await waitForText(page.getByRole('table'), '10000 invites', 30_000)
    await waitForText(page.getByRole('navigation', { name: 'Pages (top)' }), 'Page 1 of 200')
    assert.equal((await shownEmails(page)).length, 50)
    // performance.now() counts from the navigation's start: the first row's time is the wait a person has.
    const first = await page.evaluate(`(() => {
      const answer = performance.getEntriesByType('resource').filter((e) => e.name.includes('/invites')).pop()
      return { requestStart: answer.requestStart, responseEnd: answer.responseEnd, transferKiB: Math.round(answer.encodedBodySize / 1024), firstRowAt: window.__firstRowAt }
    })()`) as { requestStart: number, responseEnd: number, transferKiB: number, firstRowAt: number }

    // Next page 20 times, then the last page: from the click to the new rows on screen (the next frame), timed in the page.
    const pageTimes: number[] = []
    const turn = async (name: string, expected: string): Promise<void> => {
      const pager = page.getByRole('navigation', { name: 'Pages (top)' }).getByRole('link', { name })
      pageTimes.push(await pager.evaluate((link, expected) => new Promise<number>((resolve) => {
        const started = performance.now()
        const observer = new MutationObserver(() => {
          if (document.querySelector('tbody td')?.textContent !== expected) return
          observer.disconnect()
          requestAnimationFrame(() => resolve(performance.now() - started))
        })
        observer.observe(document.body, { childList: true, subtree: true, characterData: true })
        ;(link as { click: () => void }).click()
      }), expected))
      await waitForText(page.getByRole('table').getByRole('row').nth(1), expected)
    }
    for (let n = 1; n <= 20; n++) await turn('Next page', `user${String(10_000 - 1 - n * 50).padStart(5, '0')}@example.com`)
    await turn('Last page', 'user00049@example.com')
    const longTasks = await page.evaluate('window.__longTasks') as number[]
    t.diagnostic(`10,000 invites: first page on screen ${first.firstRowAt.toFixed(0)} ms after the navigation started ` +
      `(its page of invites: ${first.transferKiB} KiB, asked at ${first.requestStart.toFixed(0)} ms, answered by ${first.responseEnd.toFixed(0)} ms); ` +
      `21 page turns: median ${median(pageTimes).toFixed(0)} ms, slowest ${Math.max(...pageTimes).toFixed(0)} ms (click to the new rows' frame); ` +
      `longest main-thread task over the whole run ${Math.max(0, ...longTasks).toFixed(0)} ms (${longTasks.length} over 50 ms)`)
  })
})

function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}
