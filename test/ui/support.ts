import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, type TestContext } from 'node:test'
import losant from 'losant-rest'
import { type Browser, type BrowserContextOptions, chromium, type Locator, type Page } from 'playwright-core'
import { type RunningEmulator, type StartOptions, startEmulator } from '../../src/index.js'

/**
 * The browser tests: Debian's Chromium driven by playwright-core, against a real emulator
 * on port 0. `npm test` (scripts/run-tests.mjs) says when they cannot run; CI installs
 * the browser and requires them.
 */
export const CHROME_PATH = process.env.CHROME_PATH ?? '/usr/bin/chromium-headless-shell'

/** The project's folder: the tests run from it (they may run from a compiled copy of test/). */
const ROOT = process.cwd()

/**
 * dist/ui built from the current src/ui: built here when older than any source file (a
 * single test file run by hand); `npm test` builds it once before every file runs.
 */
export function ensureUiBuilt (): void {
  const built = join(ROOT, 'dist', 'ui', 'app.js')
  const newestSource = Math.max(...listFiles(join(ROOT, 'src', 'ui')).map((file) => statSync(file).mtimeMs))
  if (existsSync(built) && statSync(built).mtimeMs >= newestSource) return
  const run = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-ui.mjs')], { encoding: 'utf8', timeout: 60_000 })
  if (run.status !== 0) throw new Error(`scripts/build-ui.mjs failed: ${run.stderr}`)
}

function listFiles (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)])
}

/** `extraArgs`: more Chromium flags, e.g. `--host-resolver-rules=MAP evil.example 127.0.0.1`. */
export async function launchBrowser (extraArgs: readonly string[] = []): Promise<Browser> {
  if (!existsSync(CHROME_PATH)) {
    throw new Error(`no Chromium at ${CHROME_PATH}: install it (apt-get install -y --no-install-recommends chromium-headless-shell) or set CHROME_PATH`)
  }
  ensureUiBuilt()
  return await chromium.launch({
    executablePath: CHROME_PATH,
    // As root Chromium needs --no-sandbox. This machine's network is closed: without the
    // background-networking flags Chromium keeps trying to reach Google's hosts.
    args: [
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-default-apps',
      ...extraArgs
    ]
  })
}

/** One browser for a file's tests (call inside `describe`): launched before them, closed after. */
export function useBrowser (extraArgs: readonly string[] = []): () => Browser {
  let browser: Browser | undefined
  before(async () => { browser = await launchBrowser(extraArgs) })
  after(async () => await browser?.close())
  return () => {
    if (browser === undefined) throw new Error('the browser is launched in a before hook: call the getter inside a test')
    return browser
  }
}

export interface UiSession {
  emulator: RunningEmulator
  page: Page
  /** Every URL the page requested. */
  requested: string[]
  /** `http://127.0.0.1:<port>/_emulator/ui/` */
  uiUrl: string
  /** Where every request of the page must go: the emulator's origin, unless a test puts a proxy in front. */
  allowedPrefix: string
}

/**
 * A new emulator (options as `startEmulator`'s) and a new page in a new browser context,
 * both closed when the test ends. The test fails if the page threw, or requested anything
 * outside `allowedPrefix` (the UI loads nothing from a CDN).
 */
export async function openUi (t: TestContext, browser: Browser, options: StartOptions = {}, contextOptions: BrowserContextOptions = {}): Promise<UiSession> {
  const emulator = await startEmulator(options)
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...contextOptions })
  context.setDefaultTimeout(10_000)
  const page = await context.newPage()
  const errors: string[] = []
  const session: UiSession = { emulator, page, requested: [], uiUrl: `${emulator.url}/_emulator/ui/`, allowedPrefix: `${emulator.url}/` }
  page.on('pageerror', (error) => errors.push(error.message))
  // The UI's Content-Security-Policy allows only its own files: anything else it tries is a failure.
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) errors.push(message.text())
  })
  page.on('request', (request) => session.requested.push(request.url()))
  t.after(async () => {
    await context.close()
    await emulator.stop()
  })
  t.after(() => {
    assert.deepEqual(errors, [], 'the page threw or broke its Content-Security-Policy')
    const outside = session.requested.filter((url) => !url.startsWith(session.allowedPrefix) && !url.startsWith('data:') && !url.startsWith('blob:'))
    assert.deepEqual(outside, [], `requests outside ${session.allowedPrefix}`)
  })
  return session
}

/** Waits until the locator's text contains `text` (playwright-core has no `expect`). */
export async function waitForText (locator: Locator, text: string | RegExp, timeout = 10_000): Promise<string> {
  const deadline = Date.now() + timeout
  let last = ''
  for (;;) {
    last = (await locator.first().textContent({ timeout: Math.max(1, deadline - Date.now()) }).catch(() => null)) ?? ''
    if (typeof text === 'string' ? last.includes(text) : text.test(last)) return last
    if (Date.now() > deadline) throw new Error(`waited ${timeout} ms for ${String(text)}; the text was: ${JSON.stringify(last.slice(0, 500))}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/**
 * Waits until `expression` is true in the page, evaluated from here every 50 ms
 * (page.waitForFunction polls inside the page with eval, which the UI's
 * Content-Security-Policy refuses).
 */
export async function waitUntil (page: Page, expression: string, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout
  for (;;) {
    if (await page.evaluate(expression).catch(() => false) === true) return
    if (Date.now() > deadline) throw new Error(`waited ${timeout} ms for ${expression}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Waits until the locator's text is no longer `before` (a clock that ticks); answers the new text. */
export async function waitForTextChange (locator: Locator, before: string, timeout = 10_000): Promise<string> {
  const deadline = Date.now() + timeout
  for (;;) {
    const now = (await locator.first().textContent({ timeout: Math.max(1, deadline - Date.now()) }).catch(() => null)) ?? ''
    if (now !== before) return now
    if (Date.now() > deadline) throw new Error(`waited ${timeout} ms for the text to change from ${JSON.stringify(before.slice(0, 200))}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

// ---- accessibility ----------------------------------------------------------------

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

interface AxeViolation { id: string, impact: string | null, help: string, nodes: Array<{ target: unknown, failureSummary?: string }> }

/**
 * The rules whose outcome depends on the colours: the only ones the dark theme can change
 * (the document is the same), so the only ones run again in it: a run of every rule costs
 * the browser about half a second of CPU, 24 times in the UI's tests.
 */
const COLOUR_RULES = ['color-contrast', 'link-in-text-block']

/**
 * axe-core on the page as it is now: no serious or critical violation of the WCAG 2 A and
 * AA rules in the light theme, nor of the colour rules in the dark theme.
 */
export async function assertAccessible (page: Page, screen: string): Promise<void> {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme })
    // Evaluated, not added as a <script>: the page's Content-Security-Policy refuses inline scripts.
    if (await page.evaluate('typeof window.axe') === 'undefined') await page.evaluate(axeSource)
    const only = colorScheme === 'dark' ? `runOnly: { type: 'rule', values: ${JSON.stringify(COLOUR_RULES)} }, ` : ''
    const violations = await page.evaluate(`axe.run(document, { ${only}resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target, failureSummary: n.failureSummary }))
    })))`) as AxeViolation[]
    const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    assert.deepEqual(serious, [], `${screen} (${colorScheme}): ${JSON.stringify(serious, null, 2)}`)
  }
  await page.emulateMedia({ colorScheme: null })
}

// ---- the official client, as a user's app would call the emulator ---------------

/** The query losant-rest's generated methods add to every request. */
const GENERATED_QUERY = { _actions: false, _links: true, _embedded: true }

export interface LosantCaller {
  listInvites: (instanceId: string, orgId: string, params?: Record<string, string>) => Promise<{ count: number, items: Array<{ id: string, email: string, role: string }> }>
  postInvite: (instanceId: string, orgId: string, invite: { email: string, role: string }) => Promise<unknown>
}

/** losant-rest's client with a token of `scope`, calling exactly as its generated methods do. */
export async function losantClient (emulator: RunningEmulator, scope = ['all.Instance']): Promise<LosantCaller> {
  const { token } = await emulator.mintToken({ scope })
  const client = losant.createClient({ url: emulator.url, accessToken: token })
  const path = (instanceId: string, orgId: string): string => `/instances/${instanceId}/orgs/${orgId}/invites`
  return {
    listInvites: async (instanceId, orgId, params = {}) =>
      await client.request({ method: 'GET', url: path(instanceId, orgId), data: {}, headers: {}, params: { ...GENERATED_QUERY, ...params } }),
    postInvite: async (instanceId, orgId, invite) =>
      await client.request({ method: 'POST', url: path(instanceId, orgId), data: invite, headers: {}, params: GENERATED_QUERY })
  }
}

// ---- fixtures ---------------------------------------------------------------------

export const INSTANCE_ID = '575ec8687ae143cd83dc4a97'
export const ORG_ID = '575ec8687ae143cd83dc4a98'

/** One instance `Dev` with one org `Acme`, and the given invites. */
export function seedWith (invites: Array<{ email: string, role: string, inviteDate?: string }> = []): NonNullable<StartOptions['seed']> {
  return { instances: [{ id: INSTANCE_ID, name: 'Dev', orgs: [{ id: ORG_ID, name: 'Acme', invites: invites as never }] }] }
}

/**
 * Where the screenshots go: docs/ when UPDATE_SCREENSHOTS=1 (the README shows them),
 * else a temporary folder (they are still made, so the code that makes them runs).
 */
export function screenshotPath (name: string): string {
  const dir = process.env.UPDATE_SCREENSHOTS === '1' ? join(ROOT, 'docs') : join(tmpdir(), 'losant-emulator-screenshots')
  mkdirSync(dir, { recursive: true })
  return join(dir, name)
}

/** A JSON answer, untyped (the tests check its shape). */
export async function fetchJson (url: string, init?: RequestInit): Promise<any> {
  return await (await fetch(url, init)).json()
}

/** The page's width beyond the viewport's: 0 when nothing makes it scroll sideways. */
export async function sidewaysOverflow (page: Page): Promise<{ overflow: number, widest: string[] }> {
  return await page.evaluate(`(() => {
    const width = innerWidth
    const widest = []
    for (const element of document.querySelectorAll('body *')) {
      const box = element.getBoundingClientRect()
      if (box.width > 0 && box.right > width + 0.5) widest.push(element.tagName.toLowerCase() + ' ' + Math.round(box.right) + 'px: ' + (element.textContent || '').trim().slice(0, 60))
    }
    return { overflow: Math.max(0, document.documentElement.scrollWidth - width), widest: widest.slice(0, 5) }
  })()`)
}
