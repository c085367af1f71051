import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { openUi, useBrowser, waitForText } from './support.js'

describe('the docs page (/_emulator/docs) under its Content-Security-Policy', () => {
  const browser = useBrowser()

  test('renders the operations and tries one out, loading nothing from elsewhere and breaking no policy', async (t) => {
    const { emulator, page } = await openUi(t, browser())
    await page.goto(`${emulator.url}/_emulator/docs/`)
    await waitForText(page.locator('body'), 'Losant invites emulator')
    const health = page.locator('.opblock').filter({ hasText: '/_emulator/health' }).first()
    await health.locator('.opblock-summary').click()
    await health.getByRole('button', { name: 'Try it out' }).click()
    await health.getByRole('button', { name: 'Execute' }).click()
    await waitForText(health.locator('.responses-wrapper'), '"status": "ok"')
    assert.ok(await page.getByText('instanceOrgInvites').first().isVisible())
  })
})
