import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { assertAccessible, INSTANCE_ID, losantClient, openUi, ORG_ID, seedWith, useBrowser, waitForText } from '../support.js'

const INVITES = `/instances/${INSTANCE_ID}/orgs/${ORG_ID}/invites`

describe('UI: request journal', () => {
  const browser = useBrowser()

  test('live: a request made with the client appears within a second, without a reload', async (t) => {
    const { emulator, page, uiUrl } = await openUi(t, browser(), { seed: seedWith() })
    const client = await losantClient(emulator)
    await page.goto(`${uiUrl}#/requests`)
    await waitForText(page.getByRole('status').filter({ hasText: 'Live' }), 'Live: new requests appear as they arrive.')
    const latencies: number[] = []
    for (const email of ['ann@example.com', 'bob@example.com', 'cy@example.com']) {
      await client.postInvite(INSTANCE_ID, ORG_ID, { email, role: 'view' })
      const answered = Date.now()
      await page.getByRole('cell').filter({ hasText: `POST ${INVITES}` }).nth(latencies.length).waitFor({ timeout: 1000 })
      latencies.push(Date.now() - answered)
    }
    t.diagnostic(`a request showed in the journal ${latencies.join(', ')} ms after the client had its answer`)
    await client.listInvites(INSTANCE_ID, ORG_ID)
    await waitForText(page.getByRole('table'), '4 requests, newest first', 1000)
    const firstRow = page.getByRole('row').nth(1)
    assert.ok((await firstRow.innerText()).includes(`GET ${INVITES}`), 'newest first')
    await assertAccessible(page, 'requests')
  })

  test('filters by method, path, status and org; a row opens the whole entry, copied as curl; clear', async (t) => {
    const { emulator, page, uiUrl } = await openUi(t, browser(), { seed: seedWith() }, { permissions: ['clipboard-read', 'clipboard-write'] })
    const client = await losantClient(emulator)
    await client.postInvite(INSTANCE_ID, ORG_ID, { email: 'ann@example.com', role: 'view' })
    await client.postInvite(INSTANCE_ID, ORG_ID, { email: 'not an email', role: 'view' }).catch(() => {})
    await client.listInvites(INSTANCE_ID, ORG_ID)
    await fetch(`${emulator.url}/nope`)
    await page.goto(`${uiUrl}#/requests`)
    await waitForText(page.getByRole('table'), '4 requests')

    const filters = page.getByRole('form', { name: 'Filter requests' })
    await filters.getByLabel('Method').selectOption('POST')
    await filters.getByRole('button', { name: 'Filter' }).click()
    await waitForText(page.getByRole('table'), '2 requests')
    await filters.getByLabel('Status').fill('4xx')
    await filters.getByRole('button', { name: 'Filter' }).click()
    await waitForText(page.getByRole('table'), '1 request,')
    assert.deepEqual(Object.fromEntries(new URLSearchParams(new URL(page.url()).hash.split('?')[1])), { method: 'POST', status: '4xx' })
    await page.goto(`${uiUrl}#/requests?path=${encodeURIComponent('/instances/*')}&orgId=${ORG_ID}`)
    await waitForText(page.getByRole('table'), '3 requests')

    await page.getByRole('button', { name: `POST ${INVITES}` }).last().click()
    const details = page.getByRole('region', { name: `POST ${INVITES}` })
    const text = await waitForText(details, '"authorization": "Bearer [redacted]"')
    assert.ok(text.includes('"email": "ann@example.com"'), text)
    assert.ok(text.includes('Tokenscope all.Instance'), text)
    assert.ok(text.includes('Status201'), text)
    await assertAccessible(page, 'requests, details open')

    await details.getByRole('button', { name: 'Copy as curl' }).click()
    await waitForText(details.getByRole('status'), 'Copied')
    const curl = await page.evaluate('navigator.clipboard.readText()') as string
    assert.equal(curl, `curl -X POST '${emulator.url}${INVITES}?_actions=false&_links=true&_embedded=true' ` +
      '-H \'accept: application/json\' -H \'content-type: application/json\' -H \'accept-version: ^1.20.1\' -H \'authorization: Bearer [redacted]\' --data-raw \'{"email":"ann@example.com","role":"view"}\'')

    await page.getByRole('button', { name: 'Clear matching requests' }).click()
    await waitForText(page.getByRole('status').filter({ hasText: 'removed' }), '3 requests removed from the journal.')
    assert.deepEqual((await emulator.requests()).map((e) => e.path), ['/nope'])
  })

  test('when the stream cannot be opened, it polls: new requests still show without a reload', async (t) => {
    const { emulator, page, uiUrl } = await openUi(t, browser(), { seed: seedWith() })
    await page.route('**/requests/stream?**', async (route) => await route.abort())
    const client = await losantClient(emulator)
    await page.goto(`${uiUrl}#/requests`)
    await waitForText(page.getByRole('status').filter({ hasText: 'Polling' }), 'Polling every second: the live stream could not be opened.')
    await client.postInvite(INSTANCE_ID, ORG_ID, { email: 'ann@example.com', role: 'view' })
    await page.getByRole('cell').filter({ hasText: `POST ${INVITES}` }).waitFor({ timeout: 3000 })
    // Once the stream can be opened again, it is live again.
    await page.unroute('**/requests/stream?**')
    await waitForText(page.getByRole('status').filter({ hasText: 'Live' }), 'Live', 10_000)
    await client.listInvites(INSTANCE_ID, ORG_ID)
    await page.getByRole('cell').filter({ hasText: `GET ${INVITES}` }).waitFor({ timeout: 1000 })
    await waitForText(page.getByRole('table'), '2 requests')
  })
})
