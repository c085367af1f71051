import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { startEmulator } from '../../src/index.js'
import { assertAccessible, INSTANCE_ID, openUi, ORG_ID, seedWith, useBrowser, waitForText, waitForTextChange } from './support.js'

const DAY = 24 * 3600 * 1000

describe('UI: live, whoever changes the emulator', () => {
  const browser = useBrowser()

  test('a moved clock shows in the header on every screen, ticking; back to real time, it goes', async (t) => {
    const { emulator, page, uiUrl } = await openUi(t, browser(), { seed: seedWith() })
    await page.goto(`${uiUrl}#/tokens`)
    await page.getByRole('heading', { level: 1, name: 'Tokens' }).waitFor()
    assert.equal(await page.getByRole('link', { name: /^Clock moved/ }).count(), 0, 'real time: nothing said')
    await emulator.setClock({ offsetMs: 8 * DAY })
    const moved = page.getByRole('banner').getByRole('link', { name: /^Clock moved/ })
    const first = await waitForText(moved, '(+8 d)')
    // It ticks: the time shown moves on by itself.
    await waitForTextChange(moved, first)
    for (const [hash, title] of [['', 'Overview'], ['#/orgs', 'Instances and orgs'], [`#/orgs/${INSTANCE_ID}/${ORG_ID}`, 'Invites of Acme'], ['#/outbox', 'Outbox'], ['#/requests', 'Requests'], ['#/faults', 'Faults and clock']]) {
      await page.goto(`${uiUrl}${hash}`)
      await page.getByRole('heading', { level: 1, name: title }).waitFor()
      await waitForText(moved, '(+8 d)')
    }
    await assertAccessible(page, 'faults and clock, the clock moved')
    // The Faults and clock screen's own clock ticks too.
    const clock = page.getByRole('region', { name: 'Clock' })
    const shown = await waitForText(clock, 'Emulator time')
    await waitForTextChange(clock, shown)
    await emulator.setClock({ offsetMs: 0 })
    await moved.waitFor({ state: 'detached' })
    await waitForText(clock, 'none (real time)')
  })

  test('an emulator that stops is said to be unreachable on every screen; the page recovers when it is back', async (t) => {
    const session = await openUi(t, browser(), { seed: seedWith([{ email: 'ann@example.com', role: 'view' }]) })
    const { page, uiUrl } = session
    const port = session.emulator.port
    await page.goto(`${uiUrl}#/orgs/${INSTANCE_ID}/${ORG_ID}`)
    await page.getByRole('table', { name: '1 invite', exact: true }).waitFor()

    await session.emulator.stop()
    const alert = page.getByRole('alert').filter({ hasText: 'unreachable' })
    await waitForText(alert, 'The emulator is unreachable')
    assert.match(await alert.innerText(), /no answer since \d\d:\d\d:\d\d\): it may have stopped\. This page reconnects by itself when it is back\./)
    await assertAccessible(page, 'invites, emulator unreachable')
    await page.getByRole('link', { name: 'Requests' }).click()
    await waitForText(page.getByRole('status').filter({ hasText: 'unreachable' }), 'The emulator is unreachable: requests made meanwhile show once it is back.')
    assert.equal(await page.getByText('Polling every second').count(), 0, 'not "polling": nothing answers')

    // Back on the same port, with other data: the page says so and shows it, without a reload.
    const again = await startEmulator({ port, seed: seedWith([{ email: 'ann@example.com', role: 'view' }, { email: 'bob@example.com', role: 'edit' }]) })
    t.after(async () => await again.stop())
    session.emulator = again
    await waitForText(page.getByRole('status').filter({ hasText: 'answers again' }), 'The emulator answers again')
    assert.equal(await alert.count(), 0)
    await waitForText(page.getByRole('status').filter({ hasText: 'Live' }), 'Live: new requests appear as they arrive.')
    const { token } = await again.mintToken({ scope: ['all.Instance'] })
    await fetch(`${again.url}/instances/${INSTANCE_ID}/orgs/${ORG_ID}/invites`, { headers: { authorization: `Bearer ${token}` } })
    await page.getByRole('cell').filter({ hasText: `GET /instances/${INSTANCE_ID}` }).first().waitFor()
    await page.getByRole('link', { name: 'Instances and orgs' }).click()
    await waitForText(page.getByRole('main'), '2 invites, 0 members')
  })
})
