import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { Page } from 'playwright-core'
import { assertAccessible, INSTANCE_ID, openUi, ORG_ID, seedWith, sidewaysOverflow, useBrowser, waitForText, waitUntil } from './support.js'

/** The focused element: its accessible text, and whether a focus ring shows (an outline of 2 px or more). */
async function focused (page: Page): Promise<{ text: string, tag: string, ring: boolean }> {
  return await page.evaluate(`(() => {
    const el = document.activeElement
    const style = getComputedStyle(el)
    return { text: (el.getAttribute('aria-label') || el.textContent || '').trim(), tag: el.tagName, ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2 }
  })()`)
}

async function tabTo (page: Page, text: string, limit = 40): Promise<void> {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab')
    if ((await focused(page)).text === text) return
  }
  throw new Error(`Tab never reached ${text}`)
}

describe('UI: navigation, keyboard and focus', () => {
  const browser = useBrowser()

  test('the keyboard reaches every screen, with a visible focus ring; the new screen\'s title gets the focus', async (t) => {
    const { page, uiUrl } = await openUi(t, browser(), { seed: seedWith() })
    await page.goto(uiUrl)
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor()
    await page.keyboard.press('Tab')
    assert.deepEqual(await focused(page), { text: 'Skip to content', tag: 'A', ring: true })
    for (const [link, title] of [['Outbox', 'Outbox'], ['Requests', 'Requests'], ['Faults and clock', 'Faults and clock'], ['Tokens', 'Tokens'], ['Instances and orgs', 'Instances and orgs']]) {
      await tabTo(page, link!)
      assert.equal((await focused(page)).ring, true, `focus ring on ${link}`)
      await page.keyboard.press('Enter')
      await page.getByRole('heading', { level: 1, name: title }).waitFor()
      await waitUntil(page, 'document.activeElement?.tagName === \'H1\'')
      assert.equal(await page.getByRole('link', { name: link }).getAttribute('aria-current'), 'page')
    }
    // Buttons and fields show it too.
    await tabTo(page, 'Create instance')
    assert.deepEqual(await focused(page), { text: 'Create instance', tag: 'BUTTON', ring: true })
    await page.keyboard.press('Enter')
    await waitForText(page.getByRole('status').filter({ hasText: 'created' }), 'Instance')

    // The back button walks the screens back.
    await page.goBack()
    await page.getByRole('heading', { level: 1, name: 'Tokens' }).waitFor()
    await page.goBack()
    await page.getByRole('heading', { level: 1, name: 'Faults and clock' }).waitFor()
  })

  test('skip to content moves the focus past the navigation; an unknown screen says so', async (t) => {
    const { page, uiUrl } = await openUi(t, browser())
    await page.goto(`${uiUrl}#/nowhere`)
    await waitForText(page.getByRole('alert'), 'There is no screen at “nowhere”')
    await page.keyboard.press('Tab')
    await page.keyboard.press('Enter')
    assert.equal(await page.evaluate('document.activeElement.id'), 'main')
    await page.keyboard.press('Tab')
    assert.equal((await focused(page)).text, 'Go to the overview')
    assert.equal(new URL(page.url()).hash, '#/nowhere', 'the skip link does not change the screen')
  })
})

describe('UI: at a phone\'s width (390 px)', () => {
  const browser = useBrowser()
  const LONG = 'a-very-long-address-that-goes-on-and-on-and-on@a-rather-long-subdomain.example-company.com'

  test('no screen scrolls sideways; long e-mails, tokens and paths wrap, and axe still passes', async (t) => {
    const { emulator, page, uiUrl } = await openUi(t, browser(), {
      seed: seedWith([{ email: LONG, role: 'view' }, { email: 'ann@example.com', role: 'admin' }])
    }, { viewport: { width: 390, height: 844 } })
    const { token } = await emulator.mintToken({ scope: ['all.Instance'] })
    const invites = `${emulator.url}/instances/${INSTANCE_ID}/orgs/${ORG_ID}/invites`
    await fetch(invites, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ email: LONG, role: 'edit' }) })
    await fetch(`${invites}?filterField=email&filter=${'*x'.repeat(40)}`, { headers: { authorization: `Bearer ${token}` } })
    await emulator.addFault({ path: '/instances/*/orgs/*/invites/and/a/long/path/that/goes/on', orgId: ORG_ID, status: 503, times: 3 })
    await emulator.setClock({ offsetMs: 8 * 24 * 3600 * 1000 })
    const [message] = await emulator.outbox()

    const screens: Array<[string, string, (() => Promise<void>)?]> = [
      ['', 'Overview'],
      ['#/orgs', 'Instances and orgs'],
      [`#/orgs/${INSTANCE_ID}/${ORG_ID}`, 'Invites of Acme', async () => {
        await page.getByRole('button', { name: LONG, exact: true }).click()
        await page.getByRole('heading', { name: `Invite to ${LONG}` }).waitFor()
      }],
      ['#/outbox', 'Outbox', async () => { await page.getByText('Invite id and token').first().click() }],
      [`#/invite?email=${encodeURIComponent(LONG)}&token=${message!.token}`, `Invitation for ${LONG}`],
      ['#/requests', 'Requests', async () => {
        await page.getByRole('button', { name: /^GET \/instances/ }).click()
        await page.getByRole('heading', { level: 2, name: /^GET \/instances/ }).waitFor()
      }],
      ['#/faults', 'Faults and clock'],
      ['#/tokens', 'Tokens', async () => {
        await page.getByRole('button', { name: 'Mint token' }).click()
        await page.getByRole('heading', { name: 'Your token' }).waitFor()
      }]
    ]
    for (const [hash, title, open] of screens) {
      await page.goto(`${uiUrl}${hash}`)
      await page.getByRole('heading', { level: 1, name: title }).waitFor()
      await page.getByRole('link', { name: /^Clock moved/ }).waitFor()
      await waitUntil(page, '!document.querySelector("main").textContent.includes("Loading ")')
      await open?.()
      const { overflow, widest } = await sidewaysOverflow(page)
      assert.equal(overflow, 0, `${title} scrolls sideways by ${overflow} px: ${widest.join('; ')}`)
      assert.equal(await page.evaluate('document.documentElement.scrollWidth <= innerWidth'), true, title)
      await assertAccessible(page, `${title} at 390 px`)
    }
  })
})
