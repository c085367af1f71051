import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { describe, test } from 'node:test'
import { assertAccessible, fetchJson, INSTANCE_ID, openUi, ORG_ID, screenshotPath, seedWith, useBrowser, waitForText } from '../support.js'

describe('UI: overview', () => {
  const browser = useBrowser()

  test('GET / leads to the page; it shows the counts the API has, and passes axe', async (t) => {
    const { emulator, page } = await openUi(t, browser(), { seed: seedWith([{ email: 'ann@example.com', role: 'view' }, { email: 'bob@example.com', role: 'edit' }]) })
    await emulator.setClock({ offsetMs: 2 * 24 * 3600 * 1000 })
    await page.goto(`${emulator.url}/`)
    assert.equal(new URL(page.url()).pathname, '/_emulator/ui/')
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor()
    const counts = page.getByRole('definition')
    await waitForText(page.getByRole('main'), 'Invites2')
    const overview = await fetchJson(`${emulator.url}/_emulator/overview`)
    const text = await page.getByRole('main').textContent() ?? ''
    for (const [label, value] of [['Instances', overview.counts.instances], ['Organizations', overview.counts.orgs], ['Invites', overview.counts.invites], ['Outbox messages', overview.counts.outbox], ['Active faults', overview.counts.faults]]) {
      assert.ok(text.includes(`${label}${value}`), `${label} ${value} in ${text}`)
    }
    assert.ok(text.includes(`Version${overview.version}`))
    assert.ok(text.includes('in memory'))
    assert.ok(text.includes('Offset from real time+2 d'), text)
    assert.ok(await counts.count() > 5)
    await assertAccessible(page, 'overview')
    await page.setViewportSize({ width: 1100, height: 420 })
    await page.screenshot({ path: screenshotPath('ui-overview.png') })

    // Live: counts follow what anyone does, without a reload.
    const { token } = await emulator.mintToken({ scope: ['all.Instance'] })
    await fetch(`${emulator.url}/instances/${INSTANCE_ID}/orgs/${ORG_ID}/invites`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"email":"cy@example.com","role":"view"}' })
    await emulator.addFault({ path: '/nope', status: 503 })
    await waitForText(page.getByRole('main'), 'Invites3')
    const after = await fetchJson(`${emulator.url}/_emulator/overview`)
    await waitForText(page.getByRole('main'), `Outbox messages${after.counts.outbox}`)
    await waitForText(page.getByRole('main'), `Journal entries${after.counts.requests}`)
    await waitForText(page.getByRole('main'), 'Active faults1')
  })

  test('reset asks first, then the API answers the seed again', async (t) => {
    const { emulator, page, uiUrl } = await openUi(t, browser(), { seed: seedWith() })
    await fetch(`${emulator.url}/_emulator/instances`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"Extra"}' })
    await page.goto(uiUrl)
    await page.getByRole('button', { name: 'Reset…' }).click()
    const dialog = page.getByRole('dialog')
    await waitForText(dialog, 'Reset the emulator?')
    await assertAccessible(page, 'overview, reset dialog')
    await dialog.getByRole('button', { name: 'Cancel' }).click()
    assert.equal((await fetchJson(`${emulator.url}/_emulator/instances`)).length, 2, 'cancel changes nothing')

    await page.getByRole('button', { name: 'Reset…' }).click()
    await dialog.getByRole('button', { name: 'Reset', exact: true }).click()
    await waitForText(page.getByRole('status').filter({ hasText: 'reset' }), 'The emulator was reset.')
    const instances = await fetchJson(`${emulator.url}/_emulator/instances`)
    assert.deepEqual(instances.map((i: { name: string }) => i.name), ['Dev'])
    await waitForText(page.getByRole('main'), 'Instances1')
  })

  test('download snapshot saves the state; upload replaces it, and a bad file shows the server\'s error', async (t) => {
    const { emulator, page, uiUrl } = await openUi(t, browser(), { seed: seedWith([{ email: 'ann@example.com', role: 'view' }]) }, { acceptDownloads: true })
    await page.goto(uiUrl)
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download snapshot' }).click()])
    const saved = JSON.parse(await readFile(await download.path(), 'utf8'))
    assert.deepEqual(saved, await fetchJson(`${emulator.url}/_emulator/snapshot`))
    await waitForText(page.getByRole('status').filter({ hasText: 'Snapshot' }), 'Snapshot downloaded')

    const replacement = { instances: [{ id: 'aaaaaaaaaaaaaaaaaaaaaaaa', name: 'Uploaded', orgs: [] }] }
    await page.getByLabel('Upload snapshot').setInputFiles({ name: 'good.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(replacement)) })
    await waitForText(page.getByRole('status').filter({ hasText: 'good.json' }), 'Snapshot good.json loaded')
    assert.deepEqual((await fetchJson(`${emulator.url}/_emulator/instances`)).map((i: { name: string }) => i.name), ['Uploaded'])

    const bad = '{"instances":[{"id":"nope"}]}'
    const expected = await fetchJson(`${emulator.url}/_emulator/snapshot`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: bad })
    await page.getByLabel('Upload snapshot').setInputFiles({ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from(bad) })
    const alert = await waitForText(page.getByRole('alert').filter({ hasText: expected.message }), expected.message)
    assert.equal(alert, `400 ${expected.type}: ${expected.message}`)
    await page.getByLabel('Upload snapshot').setInputFiles({ name: 'not-json.json', mimeType: 'application/json', buffer: Buffer.from('{"instances": [') })
    await waitForText(page.getByRole('alert').filter({ hasText: 'JSON' }), '400 Validation: Request body is not valid JSON')
    assert.deepEqual((await fetchJson(`${emulator.url}/_emulator/instances`)).map((i: { name: string }) => i.name), ['Uploaded'], 'a bad file changes nothing')
  })
})
