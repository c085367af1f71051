import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { before, describe, test } from 'node:test'
import { buildTestApp, buildWorld, expectStatus, postInvite } from '../../helper.js'
import { ensureUiBuilt } from '../../ui/support.js'

describe('control plane: the web UI and its overview', () => {
  before(() => ensureUiBuilt())

  test('GET / and /_emulator/ui redirect with relative locations, so a path prefix in front still works', async (t) => {
    const app = await buildTestApp(t)
    const root = await app.inject({ method: 'GET', url: '/' })
    assert.deepEqual([root.statusCode, root.headers.location], [302, '_emulator/ui/'])
    assert.equal(new URL(root.headers.location as string, 'http://proxy.test/emulator/').href, 'http://proxy.test/emulator/_emulator/ui/')
    const noSlash = await app.inject({ method: 'GET', url: '/_emulator/ui' })
    assert.deepEqual([noSlash.statusCode, noSlash.headers.location], [302, 'ui/'])
    assert.equal(new URL('ui/', 'http://proxy.test/emulator/_emulator/ui').href, 'http://proxy.test/emulator/_emulator/ui/')
    // Only `/` itself: the router takes `//` to the same route.
    assert.deepEqual((await app.inject({ method: 'GET', url: '//' })).json(), { type: 'NotFound', message: '// does not exist' })
  })

  test('serves the page and its assets, every URL in them relative; nothing else under ui/', async (t) => {
    const app = await buildTestApp(t)
    const page = expectStatus(await app.inject({ method: 'GET', url: '/_emulator/ui/' }), 200)
    assert.match(page.headers['content-type'] as string, /^text\/html/)
    assert.equal(page.headers['cache-control'], 'no-cache')
    assert.match(page.body, /<script type="module" src="\.\/app\.js"><\/script>/)
    assert.match(page.body, /<link rel="stylesheet" href="\.\/app\.css">/)
    for (const [file, type] of [['app.js', /javascript/], ['app.css', /^text\/css/], ['index.html', /^text\/html/]] as const) {
      const asset = expectStatus(await app.inject({ method: 'GET', url: `/_emulator/ui/${file}` }), 200)
      assert.match(asset.headers['content-type'] as string, type)
      assert.doesNotMatch(asset.body, /["'`(]\/_emulator/, `${file} names no absolute /_emulator path`)
      assert.doesNotMatch(asset.body, /\b(src|href)=["']?https?:/, `${file} loads nothing from another origin`)
    }
    const etag = expectStatus(await app.inject({ method: 'GET', url: '/_emulator/ui/app.js' }), 200).headers.etag as string
    assert.equal((await app.inject({ method: 'GET', url: '/_emulator/ui/app.js', headers: { 'if-none-match': etag } })).statusCode, 304)
    for (const url of ['/_emulator/ui/nope.js', '/_emulator/ui/../../package.json', '/_emulator/ui/%2e%2e/%2e%2e/package.json', '/_emulator/ui/.hidden']) {
      const missing = await app.inject({ method: 'GET', url })
      assert.equal(missing.statusCode, 404, url)
      assert.deepEqual(Object.keys(missing.json()), ['type', 'message'], url)
    }
  })

  test('the page and its files: a Content-Security-Policy of its own files only, no framing, no sniffing, no referrer', async (t) => {
    const app = await buildTestApp(t)
    for (const url of ['/_emulator/ui/', '/_emulator/ui/index.html', '/_emulator/ui/app.js', '/_emulator/ui/app.css']) {
      const headers = expectStatus(await app.inject({ method: 'GET', url }), 200).headers
      const csp = Object.fromEntries(String(headers['content-security-policy']).split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]))
      assert.deepEqual(csp['default-src'], ["'self'"], url)
      assert.deepEqual(csp['script-src'], ["'self'"], `${url}: no inline script`)
      assert.deepEqual(csp['frame-ancestors'], ["'none'"], url)
      assert.deepEqual(csp['object-src'], ["'none'"], url)
      assert.equal(headers['x-frame-options'], 'DENY', url)
      assert.equal(headers['x-content-type-options'], 'nosniff', url)
      assert.equal(headers['referrer-policy'], 'no-referrer', url)
    }
    const docs = expectStatus(await app.inject({ method: 'GET', url: '/_emulator/docs/' }), 200).headers
    assert.match(String(docs['content-security-policy']), /frame-ancestors 'none'/)
    assert.match(String(docs['content-security-policy']), /script-src 'self';/)
    assert.doesNotMatch(String(docs['content-security-policy']), /unsafe-eval|https:/)
    assert.equal(docs['x-content-type-options'], 'nosniff')
  })

  test('a path outside the UI\'s folder, as sent on the wire: 404 in Losant\'s shape', async (t) => {
    const app = await buildTestApp(t)
    await app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = app.server.address() as AddressInfo
    for (const path of ['/_emulator/ui/../../package.json', '/_emulator/ui/..%2f..%2fpackage.json', '/_emulator/ui/%2e%2e/%2e%2e/package.json', '/_emulator/ui/a/../app.js', '/_emulator/ui/..%5capp.js']) {
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`))
        let text = ''
        socket.on('data', (chunk) => { text += String(chunk) })
        socket.on('error', reject)
        socket.on('end', () => resolve(text))
      })
      assert.match(answer, /^HTTP\/1\.1 404 Not Found\r\n/, path)
      assert.ok(answer.endsWith(JSON.stringify({ type: 'NotFound', message: `${path} does not exist` })), `${path}: ${answer}`)
    }
  })

  test('with --admin-token the page loads without it, its data does not', async (t) => {
    const app = await buildTestApp(t, { adminToken: 'sesame' })
    expectStatus(await app.inject({ method: 'GET', url: '/_emulator/ui/' }), 200)
    expectStatus(await app.inject({ method: 'GET', url: '/_emulator/ui/app.js' }), 200)
    expectStatus(await app.inject({ method: 'GET', url: '/' }), 302)
    assert.deepEqual(expectStatus(await app.inject({ method: 'GET', url: '/_emulator/overview' }), 401).json().type, 'Unauthorized')
    expectStatus(await app.inject({ method: 'GET', url: '/_emulator/overview', headers: { authorization: 'Bearer sesame' } }), 200)
  })

  test('overview: version, database, uptime, clock and the counts of what the emulator holds', async (t) => {
    const world = await buildWorld(t, { journalSize: 50 })
    const { app } = world
    expectStatus(await postInvite(world, { email: 'ann@example.com', role: 'view' }), 201)
    expectStatus(await postInvite(world, { email: 'bob@example.com', role: 'edit' }), 201)
    expectStatus(await app.inject({ method: 'POST', url: '/_emulator/faults', payload: { path: '/nope', status: 503 } }), 201)
    expectStatus(await app.inject({ method: 'POST', url: '/_emulator/faults', payload: { path: '/used', status: 503 } }), 201)
    expectStatus(await app.inject({ method: 'GET', url: '/used' }), 503)
    expectStatus(await app.inject({ method: 'POST', url: '/_emulator/clock', payload: { offsetMs: 60_000 } }), 200)

    const overview = expectStatus(await app.inject({ method: 'GET', url: '/_emulator/overview' }), 200).json()
    const health = expectStatus(await app.inject({ method: 'GET', url: '/_emulator/health' }), 200).json()
    assert.equal(overview.version, health.version)
    assert.equal(overview.database, ':memory:')
    assert.equal(overview.journalSize, 50)
    assert.ok(overview.uptimeMs >= 0 && overview.uptimeMs < 60_000)
    assert.ok(Math.abs(Date.parse(overview.startedAt) + overview.uptimeMs - Date.now()) < 5000)
    assert.equal(overview.clock.offsetMs, 60_000)
    // Two POSTs and the faulted GET; an invite e-mail per POST; the used-up fault is not active.
    assert.deepEqual(overview.counts, { instances: 1, orgs: 1, invites: 2, outbox: 2, requests: 3, faults: 1 })
  })

  test('overview names the database file', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'emulator-overview-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    const app = await buildTestApp(t, { db: join(dir, 'state.db'), journal: false })
    const overview = expectStatus(await app.inject({ method: 'GET', url: '/_emulator/overview' }), 200).json()
    assert.equal(overview.database, join(dir, 'state.db'))
    assert.equal(overview.journalSize, 0)
  })

  test('the OpenAPI document has the overview and the stream, not the page\'s own routes', async (t) => {
    const app = await buildTestApp(t)
    const paths = Object.keys(expectStatus(await app.inject({ method: 'GET', url: '/_emulator/openapi.json' }), 200).json().paths)
    assert.ok(paths.includes('/_emulator/overview'))
    assert.ok(paths.includes('/_emulator/requests/stream'))
    assert.deepEqual(paths.filter((path) => path === '/' || path.startsWith('/_emulator/ui')), [])
  })
})
