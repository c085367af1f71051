import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { describe, test, type TestContext } from 'node:test'
import type { FastifyInstance } from 'fastify'
import type { Page } from 'playwright-core'
import pino from 'pino'
import { buildApp, type AppOptions } from '../../src/app.js'
import { INSTANCE_ID, ORG_ID, useBrowser } from './support.js'

/**
 * A web page of another site tries what an attacker's page would (docs/SECURITY.md), in
 * Chromium, against a real emulator on its default configuration: `evil.example` is
 * mapped to 127.0.0.1, where a second server serves the page. Every attempt must fail in
 * the page, be refused by the emulator (its log says 403), and leave the state as it was.
 */

/**
 * `evil.example` is 127.0.0.1. Chromium's Local Network Access checks are off: they would
 * stop a page it counts as public (the rebinding page, served by the test itself) from
 * calling the loopback at all, which Firefox and Safari do not; the emulator's own guard
 * is what is judged here.
 */
const BROWSER_ARGS = ['--host-resolver-rules=MAP evil.example 127.0.0.1', '--disable-features=LocalNetworkAccessChecks']
const INVITE_TOKEN = 'the-invite-token-an-attacker-would-want'
const SEED = {
  instances: [{ id: INSTANCE_ID, name: 'Dev', orgs: [{ id: ORG_ID, name: 'Acme', invites: [{ email: 'ann@example.com', role: 'view' as const, token: INVITE_TOKEN }] }] }]
}

interface Target {
  app: FastifyInstance
  url: string
  port: number
  /** The emulator's one line per request, as logged. */
  requests: Array<{ method: string, url: string, status: number }>
}

async function startTarget (t: TestContext, options: AppOptions = {}): Promise<Target> {
  const requests: Target['requests'] = []
  const sink = new Writable({
    write (chunk, _encoding, done) {
      const line = JSON.parse(String(chunk)) as { msg: string, method: string, url: string, status: number }
      if (line.msg === 'request') requests.push({ method: line.method, url: line.url, status: line.status })
      done()
    }
  })
  const app = await buildApp({ seed: SEED, loggerInstance: pino({ level: 'info' }, sink), ...options })
  t.after(() => app.close())
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  return { app, url: `http://127.0.0.1:${port}`, port, requests }
}

/** Another site: any path answers a blank page with a frame forms can post into. */
async function startSite (t: TestContext): Promise<number> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><meta charset="utf-8"><title>Another site</title><iframe name="sink"></iframe>')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  server.unref()
  t.after(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
  return (server.address() as AddressInfo).port
}

async function newPage (t: TestContext, browser: ReturnType<ReturnType<typeof useBrowser>>): Promise<Page> {
  const context = await browser.newContext()
  context.setDefaultTimeout(10_000)
  t.after(() => context.close())
  return await context.newPage()
}

/** What an attacker wants to read or change, through the emulator's own API (inject, not a browser). */
async function state (app: FastifyInstance): Promise<unknown> {
  const read = async (url: string): Promise<unknown> => {
    const response = await app.inject({ method: 'GET', url })
    assert.equal(response.statusCode, 200, url)
    return response.json()
  }
  return {
    snapshot: await read('/_emulator/snapshot'),
    faults: await read('/_emulator/faults'),
    outbox: await read('/_emulator/outbox'),
    journal: await read('/_emulator/requests'),
    clock: ((await read('/_emulator/clock')) as { offsetMs: number }).offsetMs
  }
}

/**
 * Runs `source`, a function in plain JavaScript (the page knows no TypeScript), in the
 * page with `args`, as the page's own script: with its origin.
 */
async function inPage<T> (page: Page, source: string, args: Record<string, string>): Promise<T> {
  // page.evaluate has no time limit of its own: a frame that never loads must fail the test, not hang it.
  let timer: NodeJS.Timeout | undefined
  const limit = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error('the page\'s script did not finish in 30 s')), 30_000) })
  try {
    return await Promise.race([page.evaluate(`(${source})(${JSON.stringify(args)})`) as Promise<T>, limit])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Each attempt's outcome: `rejected` (the browser let the page see nothing), `opaque` (a
 * no-cors answer, unreadable) or `read <status>: <body>`.
 */
const ATTACKS = `async ({ target, inviteToken }) => {
  const results = {}
  const attempt = async (name, run) => {
    try {
      const response = await run()
      results[name] = response.type === 'opaque' ? 'opaque' : 'read ' + response.status + ': ' + (await response.text()).slice(0, 200)
    } catch {
      results[name] = 'rejected'
    }
  }
  const json = (body, method = 'POST') => ({ method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const noCors = (body) => ({ method: 'POST', mode: 'no-cors', ...(body === undefined ? {} : { headers: { 'content-type': 'text/plain' }, body: JSON.stringify(body) }) })
  const fault = { path: '*', status: 503, times: 1000 }
  const accept = { email: 'ann@example.com', token: inviteToken, accept: true }

  await attempt('read the snapshot', () => fetch(target + '/_emulator/snapshot'))
  await attempt('read the outbox', () => fetch(target + '/_emulator/outbox'))
  await attempt('read the journal', () => fetch(target + '/_emulator/requests'))
  await attempt('read the overview', () => fetch(target + '/_emulator/overview'))
  await attempt('read the invite through /invites', () => fetch(target + '/invites?email=ann%40example.com&token=' + inviteToken))
  await attempt('mint a token', () => fetch(target + '/_emulator/tokens', json({ scope: ['all.Instance'] })))
  await attempt('mint a token, no-cors', () => fetch(target + '/_emulator/tokens', noCors({ scope: ['all.Instance'] })))
  await attempt('reset, a no-cors POST', () => fetch(target + '/_emulator/reset', noCors()))
  await attempt('reset, a CORS POST', () => fetch(target + '/_emulator/reset', { method: 'POST' }))
  await attempt('create an instance, a no-cors POST', () => fetch(target + '/_emulator/instances', noCors()))
  await attempt('add a fault', () => fetch(target + '/_emulator/faults', json(fault)))
  await attempt('add a fault, no-cors', () => fetch(target + '/_emulator/faults', noCors(fault)))
  await attempt('move the clock', () => fetch(target + '/_emulator/clock', json({ offsetMs: 691200000 })))
  await attempt('replace the snapshot', () => fetch(target + '/_emulator/snapshot', json({ instances: [] }, 'PUT')))
  await attempt('delete the instance', () => fetch(target + '/_emulator/instances/${INSTANCE_ID}', { method: 'DELETE' }))
  await attempt('accept through /invites', () => fetch(target + '/invites', json(accept)))
  await attempt('accept through /invites, no-cors', () => fetch(target + '/invites', noCors(accept)))
  results['follow the journal (EventSource)'] = await new Promise((resolve) => {
    const source = new EventSource(target + '/_emulator/requests/stream')
    source.onopen = () => { source.close(); resolve('opened') }
    source.onerror = () => { source.close(); resolve('rejected') }
  })

  // Form posts, into a frame: the classic cross-site request, no script needed.
  const post = async (action, enctype, fields) => {
    const frame = document.querySelector('iframe[name=sink]')
    const loaded = new Promise((resolve) => { frame.onload = resolve })
    const form = document.createElement('form')
    Object.assign(form, { method: 'POST', action, enctype, target: 'sink' })
    for (const [name, value] of Object.entries(fields)) {
      const input = document.createElement('input')
      Object.assign(input, { type: 'hidden', name, value })
      form.append(input)
    }
    document.body.append(form)
    form.submit()
    await loaded
  }
  // text/plain forms send name=value: these make JSON bodies.
  await post(target + '/_emulator/reset', 'application/x-www-form-urlencoded', {})
  await post(target + '/_emulator/faults', 'text/plain', { '{"path":"*","status":503,"times":1000,"x":"': '"}' })
  await post(target + '/invites', 'text/plain', { ['{"email":"ann@example.com","token":"' + inviteToken + '","accept":true,"x":"']: '"}' })

  // A sandboxed frame: Origin: null.
  results['reset from a sandboxed frame'] = await new Promise((resolve) => {
    window.addEventListener('message', (event) => resolve(String(event.data)), { once: true })
    const frame = document.createElement('iframe')
    frame.sandbox.add('allow-scripts')
    frame.srcdoc = '<script>fetch(' + JSON.stringify(target + '/_emulator/reset') + ', { method: "POST", mode: "no-cors" })' +
      '.then((r) => parent.postMessage(r.type, "*"), () => parent.postMessage("rejected", "*"))</' + 'script>'
    document.body.append(frame)
  })
  return results
}`

describe('UI: a page of another site can neither read nor drive the emulator', () => {
  const browser = useBrowser(BROWSER_ARGS)

  test('each attack from http://evil.example fails, is refused, and changes nothing', async (t) => {
    const target = await startTarget(t)
    const site = await startSite(t)
    const before = await state(target.app)
    const page = await newPage(t, browser())
    await page.goto(`http://evil.example:${site}/`)
    target.requests.length = 0

    const results = await inPage<Record<string, string>>(page, ATTACKS, { target: target.url, inviteToken: INVITE_TOKEN })
    const read = Object.entries(results).filter(([, outcome]) => outcome !== 'rejected' && outcome !== 'opaque')
    assert.deepEqual(read, [], 'the page read nothing')
    assert.equal(Object.keys(results).length, 19)

    // Every attempt reached the emulator (a preflight for the ones that need one) and was refused.
    const paths = new Set(target.requests.map((request) => `${request.method} ${request.url.split('?')[0]!}`))
    for (const expected of [
      'GET /_emulator/snapshot', 'GET /_emulator/outbox', 'GET /_emulator/requests', 'GET /_emulator/overview', 'GET /invites',
      'OPTIONS /_emulator/tokens', 'POST /_emulator/tokens', 'POST /_emulator/reset', 'POST /_emulator/instances',
      'OPTIONS /_emulator/faults', 'POST /_emulator/faults', 'OPTIONS /_emulator/clock', 'OPTIONS /_emulator/snapshot',
      `OPTIONS /_emulator/instances/${INSTANCE_ID}`, 'OPTIONS /invites', 'POST /invites', 'GET /_emulator/requests/stream'
    ]) assert.ok(paths.has(expected), `${expected} reached the emulator: ${[...paths].join(', ')}`)
    assert.deepEqual(target.requests.filter((request) => request.status !== 403), [], 'every request refused')

    assert.deepEqual(await state(target.app), before)
  })

  test('a rebinding page (evil.example resolving to the emulator) reads nothing and changes nothing', async (t) => {
    const target = await startTarget(t)
    const before = await state(target.app)
    const page = await newPage(t, browser())
    const origin = `http://evil.example:${target.port}`
    // The page as the attacker's server first served it; then its name points at the emulator.
    await page.route(`${origin}/rebound.html`, async (route) => await route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>Rebound</title>' }))
    await page.goto(`${origin}/rebound.html`)
    target.requests.length = 0

    const results = await inPage<Record<string, string>>(page, `async () => {
      const outcomes = {}
      const calls = [
        ['/_emulator/snapshot', {}],
        ['/_emulator/outbox', {}],
        ['/_emulator/reset', { method: 'POST' }],
        ['/_emulator/tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"scope":["all.Instance"]}' }],
        ['/_emulator/faults', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"path":"*","status":503}' }]
      ]
      for (const [path, init] of calls) {
        const response = await fetch(path, init)
        outcomes[(init.method ?? 'GET') + ' ' + path] = response.status + ' ' + await response.text()
      }
      return outcomes
    }`, {})
    const refusal = JSON.stringify({
      type: 'Forbidden',
      message: `Host "evil.example:${target.port}" is not allowed (a guard against DNS rebinding): to allow it, start the emulator with --allowed-hosts evil.example (or LOSANT_EMULATOR_ALLOWED_HOSTS=evil.example); see docs/SECURITY.md`
    })
    assert.deepEqual(Object.values(results), Array(5).fill(`403 ${refusal}`))

    // A top-level navigation gets the same.
    await page.goto(`${origin}/_emulator/snapshot`)
    assert.equal(await page.locator('body').textContent(), refusal)
    assert.deepEqual(target.requests.map((request) => request.status), Array(6).fill(403))
    assert.deepEqual(await state(target.app), before)
  })

  test('a front end on another localhost port calls the Losant routes with a bearer token; the control plane only once allowed', async (t) => {
    const site = await startSite(t)
    const frontEnd = `http://localhost:${site}`
    for (const corsOrigins of [[], [frontEnd]]) {
      const target = await startTarget(t, { corsOrigins })
      const token = (await target.app.inject({ method: 'POST', url: '/_emulator/tokens', payload: { scope: ['all.Instance'] } })).json().token as string
      const page = await newPage(t, browser())
      await page.goto(`${frontEnd}/`)
      const results = await inPage<{ list: string, invite: string, invitee: string, control: string }>(page, `async ({ target, token, invites }) => {
        const call = async (url, init = {}) => {
          try {
            const response = await fetch(url, init)
            return response.status + ' ' + await response.text()
          } catch {
            return 'rejected'
          }
        }
        const auth = { authorization: 'Bearer ' + token }
        return {
          list: await call(target + invites + '?sortField=email', { headers: auth }),
          invite: await call(target + invites, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"email":"bob@example.com","role":"edit"}' }),
          invitee: await call(target + '/invites?email=ann%40example.com&token=${INVITE_TOKEN}'),
          control: await call(target + '/_emulator/instances')
        }
      }`, { target: target.url, token, invites: `/instances/${INSTANCE_ID}/orgs/${ORG_ID}/invites` })
      assert.match(results.list, /^200 \{"items":\[\{.*"email":"ann@example.com"/)
      assert.match(results.invite, /^201 /)
      assert.match(results.invitee, /^200 \{.*"orgName":"Acme"/)
      if (corsOrigins.length === 0) assert.equal(results.control, 'rejected', 'no CORS grant for the control plane by default')
      else assert.match(results.control, /^200 \[\{"id":"575ec8687ae143cd83dc4a97"/)
      const listed = (await target.app.inject({ method: 'GET', url: `/instances/${INSTANCE_ID}/orgs/${ORG_ID}/invites?sortField=email&sortDirection=asc`, headers: { authorization: `Bearer ${token}` } })).json()
      assert.deepEqual(listed.items.map((invite: { email: string }) => invite.email), ['ann@example.com', 'bob@example.com'])
    }
  })

  test('a bearer-token call to the Losant routes works from any site, as against the real API', async (t) => {
    const target = await startTarget(t)
    const site = await startSite(t)
    const token = (await target.app.inject({ method: 'POST', url: '/_emulator/tokens', payload: { scope: ['all.Instance'] } })).json().token as string
    const page = await newPage(t, browser())
    await page.goto(`http://evil.example:${site}/`)
    const status = await inPage<number>(page, 'async ({ url, token }) => (await fetch(url, { headers: { authorization: "Bearer " + token } })).status',
      { url: `${target.url}/instances/${INSTANCE_ID}/orgs/${ORG_ID}/invites`, token })
    assert.equal(status, 200)
  })
})
