import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import losant from 'losant-rest'
import { assertAccessible, fetchJson, INSTANCE_ID, openUi, ORG_ID, seedWith, useBrowser, waitForText, waitUntil } from '../support.js'

describe('UI: tokens', () => {
  const browser = useBrowser()

  test('mint a token with chosen scopes and instance; shown once, copied, and the API honours its scopes', async (t) => {
    const { emulator, page, uiUrl } = await openUi(t, browser(), { seed: seedWith([{ email: 'ann@example.com', role: 'view' }]) }, { permissions: ['clipboard-read', 'clipboard-write'] })
    await page.goto(`${uiUrl}#/tokens`)
    const form = page.getByRole('form', { name: 'Mint a token' })
    await form.getByLabel('all.Instance', { exact: true }).uncheck()
    await form.getByLabel('instanceOrgInvites.get', { exact: true }).check()
    await form.getByLabel('Instance', { exact: true }).selectOption(INSTANCE_ID)
    await form.getByLabel('Expires in (seconds)').fill('600')
    await form.getByRole('button', { name: 'Mint token' }).click()
    const minted = page.getByRole('region', { name: 'Your token' })
    await waitForText(minted, 'Shown once')
    await assertAccessible(page, 'tokens, token shown')
    const token = await minted.getByLabel('Token').inputValue()
    await minted.getByRole('button', { name: 'Copy token' }).click()
    await waitForText(minted.getByRole('status'), 'Copied')
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), token)
    assert.ok((await minted.innerText()).includes('instanceOrgInvites.get'))

    const client = losant.createClient({ url: emulator.url, accessToken: token })
    const path = `/instances/${INSTANCE_ID}/orgs/${ORG_ID}/invites`
    const listed = await client.request({ method: 'GET', url: path, data: {}, headers: {}, params: {} })
    assert.equal(listed.count, 1)
    const refused = await client.request({ method: 'POST', url: path, data: { email: 'bob@example.com', role: 'view' }, headers: {}, params: {} }).catch((error: { statusCode?: number }) => error)
    assert.equal(refused.statusCode, 403)
    const { token: other } = await emulator.mintToken({ scope: ['all.Instance'] })
    assert.notEqual(token, other)

    await page.getByRole('link', { name: 'Overview' }).click()
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor()
    await page.goBack()
    await page.getByRole('heading', { level: 1, name: 'Tokens' }).waitFor()
    assert.equal(await page.getByRole('region', { name: 'Your token' }).count(), 0, 'shown once')
  })

  test('the server\'s message when no scope is chosen; the token minted before stays on screen', async (t) => {
    const { emulator, page, uiUrl } = await openUi(t, browser())
    await page.goto(`${uiUrl}#/tokens`)
    const form = page.getByRole('form', { name: 'Mint a token' })
    await form.getByRole('button', { name: 'Mint token' }).click()
    const minted = page.getByRole('region', { name: 'Your token' })
    const before = await minted.getByLabel('Token').inputValue()
    // The new token's heading has the focus.
    await waitUntil(page, 'document.activeElement.textContent === "Your token"')

    await form.getByLabel('all.Instance', { exact: true }).uncheck()
    await form.getByRole('button', { name: 'Mint token' }).click()
    const expected = await fetchJson(`${emulator.url}/_emulator/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"scope":[]}' })
    assert.equal(await waitForText(form.getByRole('alert'), expected.message), `400 Validation: ${expected.message}`)
    assert.equal(await minted.getByLabel('Token').inputValue(), before, 'a failed mint hides nothing')
    await assertAccessible(page, 'tokens')
  })
})
