import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, test, type TestContext } from 'node:test'
import losant from 'losant-rest'
import { FaultSpecError, startEmulator, type RunningEmulator } from '../../src/index.js'

/** Real HTTP on port 0 through the official client, as a user's test suite runs it. */
const I = 'aaaaaaaaaaaaaaaaaaaaaaaa'
const O1 = 'bbbbbbbbbbbbbbbbbbbbbbbb'
const O2 = 'cccccccccccccccccccccccc'
const seed = { instances: [{ id: I, orgs: [{ id: O1 }, { id: O2 }] }] }
const GENERATED_QUERY = { _actions: false, _links: true, _embedded: true }

async function start (t: TestContext, options: Parameters<typeof startEmulator>[0] = {}): Promise<{ emulator: RunningEmulator, client: any, token: string }> {
  const emulator = await startEmulator({ seed, ...options })
  t.after(() => emulator.stop())
  const { token } = await emulator.mintToken({ scope: ['all.Instance'], instanceId: I })
  return { emulator, client: losant.createClient({ url: emulator.url, accessToken: token }), token }
}

const list = (client: any, orgId: string) => client.request({ method: 'GET', url: `/instances/${I}/orgs/${orgId}/invites`, params: GENERATED_QUERY })
const post = (client: any, orgId: string, data: object) => client.request({ method: 'POST', url: `/instances/${I}/orgs/${orgId}/invites`, params: GENERATED_QUERY, data, headers: {} })

async function rejection (promise: Promise<unknown>): Promise<Error & { code?: string, statusCode?: number, type?: string }> {
  try {
    await promise
  } catch (error) {
    return error as Error & { code?: string, statusCode?: number }
  }
  throw new Error('expected the client to throw')
}

describe('harness: journal and faults over real HTTP, through losant-rest', () => {
  test('the journal records what the official client sent, the token redacted', async (t) => {
    const { emulator, client, token } = await start(t)
    await post(client, O1, { email: 'ann@example.com', role: 'view' })
    await list(client, O2)

    const [get, sent] = await emulator.requests()
    assert.equal(sent!.method, 'POST')
    assert.equal(sent!.path, `/instances/${I}/orgs/${O1}/invites`)
    assert.deepEqual(sent!.query, { _actions: 'false', _links: 'true', _embedded: 'true' })
    assert.deepEqual(sent!.body, { email: 'ann@example.com', role: 'view' })
    assert.equal(sent!.headers.authorization, 'Bearer [redacted]')
    assert.match(String(sent!.headers['user-agent']), /axios/)
    assert.deepEqual(sent!.token, { scope: ['all.Instance'], instanceId: I })
    assert.deepEqual([sent!.instanceId, sent!.orgId, sent!.status], [I, O1, 201])
    assert.deepEqual([get!.method, get!.orgId, get!.status], ['GET', O2, 200])
    assert.ok(!JSON.stringify(await emulator.requests()).includes(token))

    // Over HTTP too, filtered by org; a filtered delete leaves the other org's entries.
    const byOrg = await (await fetch(`${emulator.url}/_emulator/requests?orgId=${O1}`)).json() as Array<{ method: string }>
    assert.deepEqual(byOrg.map((e) => e.method), ['POST'])
    assert.equal(await emulator.clearRequests({ orgId: O1 }), 1)
    assert.deepEqual((await emulator.requests()).map((e) => e.orgId), [O2])
  })

  test('journal: false records nothing; journalSize bounds it', async (t) => {
    const off = await start(t, { journal: false })
    await list(off.client, O1)
    assert.deepEqual(await off.emulator.requests(), [])
    const small = await start(t, { journalSize: 2 })
    for (const orgId of [O1, O2, O1]) await list(small.client, orgId)
    assert.deepEqual((await small.emulator.requests()).map((e) => e.orgId), [O1, O2])
  })

  test('a fault with times: 2 hits exactly two requests; the client sees Losant-shaped errors', async (t) => {
    const { emulator, client } = await start(t)
    const fault = await emulator.addFault({ path: `/instances/*/orgs/${O1}/invites`, status: 503, times: 2 })
    for (let i = 0; i < 2; i++) {
      const error = await rejection(list(client, O1))
      assert.deepEqual([error.statusCode, error.type, error.message], [503, 'ServiceUnavailable', 'Injected fault: 503 Service Unavailable'])
    }
    assert.equal((await list(client, O1)).count, 0)
    assert.deepEqual((await emulator.faults()).map((f) => [f.id, f.remaining]), [[fault.id, 0]])
    assert.deepEqual((await emulator.requests()).map((e) => e.fault), [undefined, fault.id, fault.id])
  })

  test('a delay fault delays, then answers normally', async (t) => {
    const { emulator, client } = await start(t)
    await emulator.addFault({ path: '*', method: 'GET', delayMs: 200 })
    const started = performance.now()
    const listed = await list(client, O1)
    assert.ok(performance.now() - started >= 180, 'took at least the delay')
    assert.equal(listed.count, 0)
    const [entry] = await emulator.requests()
    assert.ok(entry!.durationMs >= 180)
  })

  test('a reset fault drops the connection: the client sees a connection error; the server serves normally after', async (t) => {
    const { emulator, client } = await start(t)
    const fault = await emulator.addFault({ path: '*', reset: true })
    const error = await rejection(post(client, O1, { email: 'ann@example.com', role: 'view' }))
    assert.equal(error.statusCode, undefined, 'no HTTP answer')
    assert.ok(['ECONNRESET', 'EPIPE'].includes(String(error.code)), `connection error, got ${String(error.code)}: ${error.message}`)
    assert.equal((await list(client, O1)).count, 0, 'the dropped request changed nothing')
    const entries = await emulator.requests()
    assert.deepEqual(entries.map((e) => [e.method, e.status, e.fault]), [['GET', 200, undefined], ['POST', null, fault.id]])
    assert.deepEqual(entries[1]!.body, { email: 'ann@example.com', role: 'view' })
  })

  test('the README\'s fault example does what it says', async (t) => {
    const { emulator, client } = await start(t)
    const readme = readFileSync('README.md', 'utf8')
    const spec = /_emulator\/faults -H 'content-type: application\/json' \\\n\s+-d '([^']+)'/.exec(readme)?.[1]
    assert.ok(spec !== undefined, 'the curl example')
    const response = await fetch(`${emulator.url}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: spec })
    assert.equal(response.status, 201)
    const statuses = []
    for (const orgId of [O1, O2, O1]) statuses.push((await rejection(post(client, orgId, { email: 'x' }))).statusCode)
    assert.deepEqual(statuses, [503, 503, 400])
    assert.equal((await list(client, O1)).count, 0)
  })

  test('clearFaults, reset clears both, a bad spec throws FaultSpecError', async (t) => {
    const { emulator, client } = await start(t)
    await emulator.addFault({ path: '*', status: 500, times: 5 })
    await emulator.clearFaults()
    assert.equal((await list(client, O1)).count, 0)
    await emulator.addFault({ path: '*', status: 500 })
    await emulator.reset()
    assert.deepEqual(await emulator.faults(), [])
    assert.deepEqual(await emulator.requests(), [])
    assert.equal((await list(client, O1)).count, 0)
    await assert.rejects(emulator.addFault({ path: '*' }), FaultSpecError)
    await assert.rejects(emulator.addFault({ path: '*', status: 1000 } as never), /fault\.status is more than maximum/)
  })
})

describe('harness: the web UI\'s own requests never disturb it', () => {
  /** What the web UI sends with every call (README, request journal and faults). */
  const UI = { 'x-emulator-client': 'ui' }

  test('a request marked as the UI\'s uses no fault and is not journaled; the app\'s next call still gets the fault', async (t) => {
    const { emulator, client, token } = await start(t)
    await emulator.addFault({ path: '*', delayMs: 1, status: 503, times: 2 })
    const path = `/instances/${I}/orgs/${O1}/invites`
    const uiCalls = [
      await fetch(`${emulator.url}${path}`, { headers: { ...UI, authorization: `Bearer ${token}` } }),
      await fetch(`${emulator.url}${path}`, { method: 'POST', headers: { ...UI, authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"email":"ann@example.com","role":"view"}' }),
      await fetch(`${emulator.url}/invites?email=ann@example.com&token=nope`, { headers: UI }),
      // GET / only sends a browser to the UI: no fault, no journal, whoever asks.
      await fetch(`${emulator.url}/`, { redirect: 'manual' })
    ]
    assert.deepEqual(uiCalls.map((response) => response.status), [200, 201, 404, 302])
    assert.deepEqual((await emulator.faults()).map((f) => f.remaining), [2])
    assert.deepEqual(await emulator.requests(), [])

    // The app's calls get the fault, and are journaled.
    assert.equal((await rejection(list(client, O1))).statusCode, 503)
    assert.deepEqual((await emulator.requests()).map((e) => [e.method, e.status, e.fault]), [['GET', 503, 'f1']])
    assert.deepEqual((await emulator.faults()).map((f) => f.remaining), [1])
  })

  test('the control plane reached through an encoded path is still the control plane: no fault, no journal', async (t) => {
    const { emulator } = await start(t)
    await emulator.addFault({ path: '*', status: 503, times: 1 })
    // %5F is `_`: the router finds the faults route, and so must the harness.
    const listed = await fetch(`${emulator.url}/%5Femulator/faults`)
    assert.equal(listed.status, 200)
    assert.deepEqual((await emulator.faults()).map((f) => f.remaining), [1])
    assert.deepEqual(await emulator.requests(), [])
  })

  test('a page on another origin cannot send the mark: no preflight grants its header', async (t) => {
    const { emulator } = await start(t)
    for (const path of [`/instances/${I}/orgs/${O1}/invites`, '/invites', '/_emulator/faults']) {
      const preflight = await fetch(`${emulator.url}${path}`, {
        method: 'OPTIONS',
        headers: { origin: 'http://elsewhere.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-emulator-client' }
      })
      const allowed = (preflight.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/\s*,\s*/)
      assert.equal(allowed.includes('x-emulator-client'), false, `${path}: ${allowed.join(', ')}`)
    }
  })

  test('with recordUi the UI\'s requests are journaled, marked client "ui"; they still use no fault', async (t) => {
    const { emulator, client, token } = await start(t)
    const settings = `${emulator.url}/_emulator/requests/settings`
    assert.deepEqual(await (await fetch(settings)).json(), { recordUi: false })
    const set = await fetch(settings, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"recordUi":true}' })
    assert.deepEqual([set.status, await set.json()], [200, { recordUi: true }])
    assert.deepEqual(await (await fetch(settings)).json(), { recordUi: true })
    await emulator.addFault({ path: '*', status: 503 })

    assert.equal((await fetch(`${emulator.url}/instances/${I}/orgs/${O1}/invites`, { headers: { ...UI, authorization: `Bearer ${token}` } })).status, 200)
    await list(client, O2).catch(() => {})
    const [app, ui] = await emulator.requests()
    assert.deepEqual([ui!.orgId, ui!.status, ui!.client, ui!.fault], [O1, 200, 'ui', undefined])
    assert.deepEqual([app!.orgId, app!.status, 'client' in app!, app!.fault], [O2, 503, false, 'f1'])

    // A reset keeps the setting (a view preference, not state); false turns it off again.
    await emulator.reset()
    assert.deepEqual(await (await fetch(settings)).json(), { recordUi: true })
    await fetch(settings, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"recordUi":false}' })
    await fetch(`${emulator.url}/instances/${I}/orgs/${O1}/invites`, { headers: { ...UI, authorization: `Bearer ${token}` } })
    assert.deepEqual(await emulator.requests(), [])

    for (const [body, message] of [['{}', 'recordUi is required'], ['{"recordUi":"yes"}', 'recordUi is the wrong type'], ['{"recordUi":true,"x":1}', 'body has additional properties (x)']]) {
      const refused = await fetch(settings, { method: 'PUT', headers: { 'content-type': 'application/json' }, body })
      assert.deepEqual([refused.status, await refused.json()], [400, { type: 'Validation', message }], body)
    }
  })
})
