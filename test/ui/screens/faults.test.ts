import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { assertAccessible, fetchJson, INSTANCE_ID, losantClient, openUi, ORG_ID, seedWith, useBrowser, waitForText, waitUntil } from '../support.js'

const DAY = 24 * 3600 * 1000

describe('UI: faults and clock', () => {
  const browser = useBrowser()

  test('a fault set in the page makes the next API call fail, once; then it is listed as used and removed', async (t) => {
    const { emulator, page, uiUrl } = await openUi(t, browser(), { seed: seedWith() })
    const client = await losantClient(emulator)
    await page.goto(`${uiUrl}#/faults`)
    await waitForText(page.getByRole('main'), 'No faults')
    await assertAccessible(page, 'faults and clock')

    const form = page.getByRole('form', { name: 'Add a fault' })
    await form.getByLabel('Method').selectOption('POST')
    await form.getByLabel('Path').fill('/instances/*/invites')
    await form.getByLabel('Org id').fill(ORG_ID)
    await form.getByLabel('Status').fill('503')
    await form.getByRole('button', { name: 'Add fault' }).click()
    await waitForText(form.getByRole('status'), 'Fault f1 added: the next matching request gets it.')
    await waitForText(page.getByRole('table'), 'answers 503')

    const failed = await client.postInvite(INSTANCE_ID, ORG_ID, { email: 'ann@example.com', role: 'view' }).then(() => undefined, (error: Error & { statusCode?: number, type?: string }) => error)
    assert.deepEqual([failed?.statusCode, failed?.type, failed?.message], [503, 'ServiceUnavailable', 'Injected fault: 503 Service Unavailable'])
    await client.postInvite(INSTANCE_ID, ORG_ID, { email: 'ann@example.com', role: 'view' })
    assert.deepEqual((await emulator.faults()).map((f) => [f.id, f.remaining]), [['f1', 0]])

    // Live: the count left follows the app's requests, without a reload.
    const row = page.getByRole('row').filter({ hasText: 'f1' })
    await waitForText(row, '0 of 1 (used up)')
    await row.getByRole('button', { name: 'Remove fault f1' }).click()
    await waitForText(page.getByRole('status').filter({ hasText: 'removed' }), 'Fault f1 removed.')
    assert.deepEqual(await emulator.faults(), [])
    // Its row is gone: the focus is on the list's heading, not lost to the page.
    await waitUntil(page, 'document.activeElement.textContent === "Faults"')
    await waitForText(page.getByRole('main'), 'No faults')

    // Added by someone else meanwhile: it shows too.
    await emulator.addFault({ path: '/elsewhere', status: 500, times: 3 })
    await waitForText(page.getByRole('row').filter({ hasText: 'f2' }), '3 of 3')
  })

  test('the server\'s message for a fault that means nothing; delay and a custom body; remove all', async (t) => {
    const { emulator, page, uiUrl } = await openUi(t, browser(), { seed: seedWith() })
    await page.goto(`${uiUrl}#/faults`)
    const form = page.getByRole('form', { name: 'Add a fault' })
    await form.getByRole('button', { name: 'Add fault' }).click()
    const expected = await fetchJson(`${emulator.url}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"path":"*"}' })
    assert.equal(await waitForText(form.getByRole('alert'), expected.message), `400 Validation: ${expected.message}`)
    await form.getByLabel('Status').fill('200')
    await form.getByLabel('Body').fill('{"count": ')
    await form.getByRole('button', { name: 'Add fault' }).click()
    await waitForText(form.getByRole('alert'), 'The body is not valid JSON.')
    await form.getByLabel('Body').fill('{"items": [], "count": 0}')
    await form.getByLabel('Times').fill('2')
    await form.getByLabel('Delay (ms)').fill('300')
    await form.getByRole('button', { name: 'Add fault' }).click()
    await waitForText(form.getByRole('status'), 'the next 2 matching requests get it')
    assert.deepEqual((await emulator.faults()).map(({ path, times, delayMs, status, body }) => ({ path, times, delayMs, status, body })), [{ path: '*', times: 2, delayMs: 300, status: 200, body: { items: [], count: 0 } }])
    const started = Date.now()
    const answer = await fetch(`${emulator.url}/instances/${INSTANCE_ID}/orgs/${ORG_ID}/invites`)
    assert.deepEqual([answer.status, await answer.json()], [200, { items: [], count: 0 }])
    assert.ok(Date.now() - started >= 290)

    await form.getByLabel('Drop the connection (no answer)').check()
    await form.getByRole('button', { name: 'Add fault' }).click()
    await waitForText(page.getByRole('table'), '2 faults')
    await page.getByRole('button', { name: 'Remove all faults' }).click()
    await waitForText(page.getByRole('status').filter({ hasText: 'removed' }), '2 faults removed.')
    assert.deepEqual(await emulator.faults(), [])
  })

  test('the clock moves forward and back, and returns to real time; invites expire with it', async (t) => {
    const { emulator, page, uiUrl } = await openUi(t, browser(), { seed: seedWith([{ email: 'ann@example.com', role: 'view' }]) })
    const client = await losantClient(emulator)
    await page.goto(`${uiUrl}#/faults`)
    const clock = page.getByRole('region', { name: 'Clock' })
    await waitForText(clock, 'none (real time)')
    await clock.getByRole('button', { name: 'Forward 8 days' }).click()
    await waitForText(clock.getByRole('status'), 'offset +8 d')
    assert.equal((await fetchJson(`${emulator.url}/_emulator/clock`)).offsetMs, 8 * DAY)
    const expired = await fetch(`${emulator.url}/instances/${INSTANCE_ID}/orgs/${ORG_ID}/invites`, { headers: { authorization: `Bearer ${(await emulator.mintToken({ scope: ['all.Instance'] })).token}` } })
    assert.equal(((await expired.json()) as { items: Array<{ hasExpired: boolean }> }).items[0]!.hasExpired, true)

    await clock.getByRole('button', { name: 'Back 1 day' }).click()
    await waitForText(clock.getByRole('status'), 'offset +7 d')
    await clock.getByLabel('Move by').fill('-90')
    await clock.getByLabel('Unit').selectOption('minutes')
    await clock.getByRole('button', { name: 'Move', exact: true }).click()
    await waitForText(clock.getByRole('status'), 'offset +6 d 22 h')
    assert.equal((await fetchJson(`${emulator.url}/_emulator/clock`)).offsetMs, 7 * DAY - 90 * 60_000)
    await clock.getByRole('button', { name: 'Back to real time' }).click()
    await waitForText(clock.getByRole('status'), 'back to real time')
    assert.equal((await fetchJson(`${emulator.url}/_emulator/clock`)).offsetMs, 0)
    assert.equal((await client.listInvites(INSTANCE_ID, ORG_ID)).items.length, 1)
  })
})
