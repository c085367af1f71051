import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { hostname } from 'node:os'
import { Writable } from 'node:stream'
import { describe, test, type TestContext } from 'node:test'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import pino from 'pino'
import { buildTestApp, expectStatus } from '../helper.js'

/**
 * Where a request may come from (docs/SECURITY.md): the Host check against DNS
 * rebinding, the control plane and /invites refusing pages of other sites, and CORS by
 * surface. Expected bodies are the ones docs/SECURITY.md prints.
 */

const I = '575ec8687ae143cd83dc4a97'
const O = '575ec8687ae143cd83dc4a98'
const INVITE_TOKEN = 'a-known-invite-token-0123456789'
const SEED = {
  instances: [{ id: I, name: 'Dev', orgs: [{ id: O, name: 'Acme', invites: [{ email: 'ann@example.com', role: 'view' as const, token: INVITE_TOKEN }] }] }],
  tokens: [{ token: 'static-admin', scope: ['all.Instance'] }]
}
const INVITES = `/instances/${I}/orgs/${O}/invites`
const BEARER = { authorization: 'Bearer static-admin' }

/** What an attacker would want to change or read: the whole state, the faults, the outbox and the journal. */
async function state (app: FastifyInstance): Promise<unknown> {
  const read = async (url: string): Promise<unknown> => expectStatus(await app.inject({ method: 'GET', url }), 200).json()
  return {
    snapshot: await read('/_emulator/snapshot'),
    faults: await read('/_emulator/faults'),
    outbox: await read('/_emulator/outbox'),
    requests: ((await read('/_emulator/requests')) as Array<{ method: string, path: string, status: number }>).map(({ method, path, status }) => ({ method, path, status })),
    clock: ((await read('/_emulator/clock')) as { offsetMs: number }).offsetMs
  }
}

function body (response: LightMyRequestResponse): [number, unknown] {
  return [response.statusCode, response.json()]
}

/** Every state-changing call an attacker's page would make, and the reads of secrets. */
const ATTACKS: Array<{ method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: Record<string, unknown> }> = [
  { method: 'GET', url: '/_emulator/snapshot' },
  { method: 'GET', url: '/_emulator/outbox' },
  { method: 'GET', url: '/_emulator/requests' },
  { method: 'GET', url: '/_emulator/overview' },
  { method: 'POST', url: '/_emulator/reset' },
  { method: 'POST', url: '/_emulator/instances' },
  { method: 'POST', url: '/_emulator/tokens', payload: { scope: ['all.Instance'] } },
  { method: 'POST', url: '/_emulator/faults', payload: { path: '*', status: 503, times: 1000 } },
  { method: 'POST', url: '/_emulator/clock', payload: { offsetMs: 691200000 } },
  { method: 'PUT', url: '/_emulator/snapshot', payload: { instances: [] } },
  { method: 'DELETE', url: `/_emulator/instances/${I}` },
  { method: 'DELETE', url: '/_emulator/outbox' },
  { method: 'GET', url: `/invites?email=ann%40example.com&token=${INVITE_TOKEN}` },
  { method: 'POST', url: '/invites', payload: { email: 'ann@example.com', token: INVITE_TOKEN, accept: true } },
  // The router decodes the path: this is the reset route.
  { method: 'POST', url: '/%5Femulator/reset' }
]

const refusedHost = (host: string, name: string) => ({
  type: 'Forbidden',
  message: `Host "${host}" is not allowed (a guard against DNS rebinding): to allow it, start the emulator with --allowed-hosts ${name} (or LOSANT_EMULATOR_ALLOWED_HOSTS=${name}); see docs/SECURITY.md`
})
const refusedOrigin = (path: string, origin: string) => ({
  type: 'Forbidden',
  message: `A page on another site (${origin}) may not call ${path}: the control plane and /invites answer only the emulator's own pages and allowed origins; ` +
    `to allow it, start the emulator with --cors-origins ${origin} (or LOSANT_EMULATOR_CORS_ORIGINS=${origin}); see docs/SECURITY.md`
})

/** Sends raw bytes to a listening app; resolves to the whole answer. */
async function rawRequest (port: number, text: string): Promise<string> {
  return await new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text))
    let answer = ''
    socket.on('data', (chunk) => { answer += String(chunk) })
    socket.on('error', reject)
    socket.on('end', () => resolve(answer))
  })
}

async function listening (t: TestContext, options: Parameters<typeof buildTestApp>[1] = {}): Promise<{ app: FastifyInstance, port: number }> {
  const app = await buildTestApp(t, { seed: SEED, ...options })
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, port: (app.server.address() as { port: number }).port }
}

describe('the Host check (DNS rebinding)', () => {
  test('answered by default: localhost and its subdomains, IP literals, names without a dot, .internal, the machine\'s name', async (t) => {
    const app = await buildTestApp(t, { seed: SEED })
    for (const host of [
      'localhost', 'localhost:8080', 'LOCALHOST.:8080', 'app.localhost:5173', '127.0.0.1:8080', '127.0.0.1', '10.1.2.3:8080',
      '[::1]:8080', '[::1]', 'emulator:8080', 'Emulator', 'my_service-1:8080', 'host.docker.internal:8080',
      'host.containers.internal', `${hostname()}:8080`
    ]) {
      const response = await app.inject({ method: 'GET', url: '/_emulator/health', headers: { host } })
      assert.equal(response.statusCode, 200, `${host}: ${response.body}`)
    }
  })

  test('a compose client calling by the service name works as before, Losant routes and control plane alike', async (t) => {
    const app = await buildTestApp(t, { seed: SEED })
    const host = 'emulator:8080'
    assert.equal(expectStatus(await app.inject({ method: 'GET', url: INVITES, headers: { host, ...BEARER } }), 200).json().count, 1)
    expectStatus(await app.inject({ method: 'POST', url: INVITES, headers: { host, ...BEARER }, payload: { email: 'bob@example.com', role: 'view' } }), 201)
    expectStatus(await app.inject({ method: 'POST', url: '/_emulator/reset', headers: { host } }), 200)
  })

  test('any other name is refused with 403 before anything is read or changed, whatever the path or method', async (t) => {
    const app = await buildTestApp(t, { seed: SEED })
    const before = await state(app)
    for (const [host, name] of [['evil.example:8080', 'evil.example'], ['EVIL.example.', 'evil.example'], ['emulator.:8080', 'emulator'], ['a.b.c', 'a.b.c']] as const) {
      for (const attack of ATTACKS) {
        const response = await app.inject({ ...attack, headers: { host } })
        assert.deepEqual(body(response), [403, refusedHost(host, name)], `${host} ${attack.method} ${attack.url}`)
      }
      for (const url of ['/_emulator/health', '/_emulator/ui/', '/', INVITES, '/nope']) {
        assert.deepEqual(body(await app.inject({ method: 'GET', url, headers: { host, ...BEARER } })), [403, refusedHost(host, name)], url)
      }
    }
    assert.deepEqual(await state(app), before)
  })

  test('a rebinding page\'s request, with a browser\'s fetch metadata, reads nothing and changes nothing', async (t) => {
    const { app, port } = await listening(t)
    const before = await state(app)
    const host = `evil.example:${port}`
    // The page's own origin, as far as the browser knows: same-origin.
    const browser = { origin: `http://${host}`, 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty' }
    for (const attack of ATTACKS) {
      const response = await app.inject({ ...attack, headers: { host, ...browser } })
      assert.deepEqual(body(response), [403, refusedHost(host, 'evil.example')], `${attack.method} ${attack.url}`)
      assert.equal(response.headers['access-control-allow-origin'], undefined)
    }
    // Over the wire too.
    const answer = await rawRequest(port, `GET /_emulator/snapshot HTTP/1.1\r\nHost: ${host}\r\nSec-Fetch-Site: same-origin\r\nConnection: close\r\n\r\n`)
    assert.match(answer, /^HTTP\/1\.1 403 Forbidden\r\n/)
    assert.ok(answer.endsWith(JSON.stringify(refusedHost(host, 'evil.example'))), answer)
    assert.deepEqual(await state(app), before)
  })

  test('refused before the admin token, the body and faults, and never journaled', async (t) => {
    const app = await buildTestApp(t, { seed: SEED, adminToken: 'sesame' })
    const admin = { authorization: 'Bearer sesame' }
    expectStatus(await app.inject({ method: 'POST', url: '/_emulator/faults', headers: admin, payload: { path: '*', status: 503, times: 5 } }), 201)
    const host = 'evil.example'
    assert.deepEqual(body(await app.inject({ method: 'GET', url: '/_emulator/snapshot', headers: { host } })), [403, refusedHost(host, host)], 'not 401')
    const huge = { email: 'x'.repeat(2 * 1024 * 1024) }
    assert.deepEqual(body(await app.inject({ method: 'POST', url: INVITES, headers: { host, ...BEARER }, payload: huge })), [403, refusedHost(host, host)], 'not 413')
    assert.deepEqual(body(await app.inject({ method: 'POST', url: INVITES, headers: { host, 'content-type': 'text/plain' }, payload: 'x' })), [403, refusedHost(host, host)], 'not 415')
    assert.deepEqual(body(await app.inject({ method: 'GET', url: '/invites?token=x&email=a@b.c', headers: { host } })), [403, refusedHost(host, host)], 'not the fault\'s 503')
    const faults = expectStatus(await app.inject({ method: 'GET', url: '/_emulator/faults', headers: admin }), 200).json()
    assert.equal(faults[0].remaining, 5, 'no fault used')
    assert.deepEqual(expectStatus(await app.inject({ method: 'GET', url: '/_emulator/requests', headers: admin }), 200).json(), [])
  })

  test('HTTP/1.1 without Host: 400 in Losant\'s shape; HTTP/1.0 (no browser speaks it) needs none', async (t) => {
    const { port } = await listening(t)
    const missing = await rawRequest(port, 'GET /_emulator/health HTTP/1.1\r\nConnection: close\r\n\r\n')
    assert.match(missing, /^HTTP\/1\.1 400 Bad Request\r\n/)
    assert.ok(missing.endsWith('{"type":"BadRequest","message":"The request has no Host header, which HTTP/1.1 requires"}'), missing)
    const old = await rawRequest(port, 'GET /_emulator/health HTTP/1.0\r\n\r\n')
    assert.match(old, /^HTTP\/1\.1 200 OK\r\n/)
  })

  test('--allowed-hosts adds names: exact, .domain for it and its subdomains, * for any', async (t) => {
    const app = await buildTestApp(t, { allowedHosts: ['emu.example.com', '.dev.example'] })
    for (const host of ['emu.example.com:8080', 'EMU.example.com', 'dev.example', 'a.b.dev.example:1']) {
      expectStatus(await app.inject({ method: 'GET', url: '/_emulator/health', headers: { host } }), 200)
    }
    for (const [host, name] of [['example.com', 'example.com'], ['x.emu.example.com', 'x.emu.example.com'], ['evildev.example', 'evildev.example']] as const) {
      assert.deepEqual(body(await app.inject({ method: 'GET', url: '/_emulator/health', headers: { host } })), [403, refusedHost(host, name)])
    }
    const any = await buildTestApp(t, { allowedHosts: ['*'] })
    expectStatus(await any.inject({ method: 'GET', url: '/_emulator/health', headers: { host: 'evil.example' } }), 200)
  })

  test('the name it listens on is allowed', async (t) => {
    const app = await buildTestApp(t, { host: 'devbox.example.net' })
    expectStatus(await app.inject({ method: 'GET', url: '/_emulator/health', headers: { host: 'devbox.example.net:8080' } }), 200)
  })

  test('a refusal is logged at warn, once per reason', async (t) => {
    const lines: Array<{ level: number, msg: string }> = []
    const sink = new Writable({ write (chunk, _encoding, done) { lines.push(JSON.parse(String(chunk))); done() } })
    const app = await buildTestApp(t, { loggerInstance: pino({ level: 'info' }, sink) })
    for (let i = 0; i < 3; i++) await app.inject({ method: 'POST', url: '/_emulator/reset?token=secret', headers: { host: 'evil.example' } })
    const warnings = lines.filter((line) => line.level === 40)
    assert.equal(warnings.length, 1)
    assert.equal(warnings[0]!.msg, `refused: ${refusedHost('evil.example', 'evil.example').message}`)
    assert.deepEqual(lines.filter((line) => line.msg === 'request').map((line) => (line as unknown as { status: number }).status), [403, 403, 403])
    assert.ok(!lines.some((line) => JSON.stringify(line).includes('secret')))
  })
})

describe('pages of other sites: the control plane and /invites refuse them', () => {
  test('an Origin that is not allowed is refused, every method, before anything is read or changed', async (t) => {
    const app = await buildTestApp(t, { seed: SEED })
    const before = await state(app)
    for (const origin of ['https://evil.example', 'http://203.0.113.9:8080', 'http://127.0.0.1.evil.example', 'chrome-extension://abcdef']) {
      for (const attack of ATTACKS) {
        const response = await app.inject({ ...attack, headers: { host: '127.0.0.1:8080', origin, 'sec-fetch-site': 'cross-site' } })
        assert.deepEqual(body(response), [403, refusedOrigin(attack.url.split('?')[0]!, origin)], `${origin} ${attack.method} ${attack.url}`)
        assert.equal(response.headers['access-control-allow-origin'], undefined)
      }
    }
    assert.deepEqual(await state(app), before)
  })

  test('Origin: null (a sandboxed frame, a file) is refused and cannot be allowed', async (t) => {
    const app = await buildTestApp(t, { seed: SEED })
    const before = await state(app)
    for (const attack of ATTACKS) {
      const response = await app.inject({ ...attack, headers: { origin: 'null' } })
      assert.deepEqual(body(response), [403, {
        type: 'Forbidden',
        message: `A page with an opaque origin (Origin: null: a sandboxed frame or a local file) may not call ${attack.url.split('?')[0]!}: the control plane and /invites answer only the emulator's own pages and allowed origins; see docs/SECURITY.md`
      }], `${attack.method} ${attack.url}`)
    }
    assert.deepEqual(await state(app), before)
    await assert.rejects(buildTestApp(t, { corsOrigins: ['null'] }), /"null" cannot be allowed/)
  })

  test('without Origin, Sec-Fetch-Site: cross-site is refused (an <img>, a navigation from another site)', async (t) => {
    const app = await buildTestApp(t, { seed: SEED })
    const before = await state(app)
    for (const attack of ATTACKS) {
      const response = await app.inject({ ...attack, headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' } })
      assert.deepEqual(body(response), [403, {
        type: 'Forbidden',
        message: `A page on another site may not call ${attack.url.split('?')[0]!} (Sec-Fetch-Site: cross-site): the control plane and /invites answer only the emulator's own pages and allowed origins; see docs/SECURITY.md`
      }], `${attack.method} ${attack.url}`)
    }
    assert.deepEqual(await state(app), before)
  })

  test('Sec-Fetch-Site: same-site does not let another subdomain in', async (t) => {
    const app = await buildTestApp(t, { seed: SEED, allowedHosts: ['emu.example.com'] })
    const response = await app.inject({ method: 'POST', url: '/_emulator/reset', headers: { host: 'emu.example.com', origin: 'https://evil.example.com', 'sec-fetch-site': 'same-site' } })
    assert.deepEqual(body(response), [403, refusedOrigin('/_emulator/reset', 'https://evil.example.com')])
  })

  test('the pages that hold no data stay open to links from anywhere: /, the UI\'s page, the docs, health', async (t) => {
    const app = await buildTestApp(t)
    const navigation = { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' }
    assert.equal((await app.inject({ method: 'GET', url: '/', headers: navigation })).statusCode, 302)
    for (const url of ['/_emulator/health', '/_emulator/openapi.json', '/_emulator/docs/']) {
      expectStatus(await app.inject({ method: 'GET', url, headers: navigation }), 200)
    }
  })

  test('not refused: no browser headers (curl, the official client, containers), the same origin, allowed origins', async (t) => {
    const app = await buildTestApp(t, { seed: SEED, corsOrigins: ['https://app.example.com'] })
    const host = '127.0.0.1:8080'
    const allowed: Array<Record<string, string>> = [
      { host },
      { host, origin: 'http://127.0.0.1:8080', 'sec-fetch-site': 'same-origin' },
      // The same host on another port: a front end served from the same machine or box.
      { host, origin: 'http://127.0.0.1:5173', 'sec-fetch-site': 'same-site' },
      { host: '192.168.1.50:8080', origin: 'http://192.168.1.50:3000' },
      // localhost is another site than 127.0.0.1 to a browser, but the same machine.
      { host, origin: 'http://localhost:5173', 'sec-fetch-site': 'cross-site' },
      { host, origin: 'http://app.localhost:3000', 'sec-fetch-site': 'cross-site' },
      { host, origin: 'http://[::1]:3000', 'sec-fetch-site': 'cross-site' },
      // A browser in a compose network, on another service.
      { host: 'emulator:8080', origin: 'http://frontend:3000' },
      { host, origin: 'https://app.example.com', 'sec-fetch-site': 'cross-site' },
      { host, 'sec-fetch-site': 'none' }
    ]
    for (const headers of allowed) {
      const response = await app.inject({ method: 'POST', url: '/invites', headers, payload: { email: 'nobody@example.com', token: 'wrong', accept: true } })
      assert.equal(response.statusCode, 404, `${JSON.stringify(headers)}: ${response.body}`)
      expectStatus(await app.inject({ method: 'POST', url: '/_emulator/clock', headers, payload: { offsetMs: 0 } }), 200)
    }
  })

  test('the Losant routes answer any origin, as the real API does for bearer-token calls', async (t) => {
    const app = await buildTestApp(t, { seed: SEED })
    const headers = { ...BEARER, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }
    expectStatus(await app.inject({ method: 'POST', url: INVITES, headers, payload: { email: 'bob@example.com', role: 'view' } }), 201)
    assert.equal(expectStatus(await app.inject({ method: 'GET', url: INVITES, headers }), 200).json().count, 2)
  })
})

describe('CORS by surface', () => {
  const preflight = (url: string, origin: string, method = 'POST') => ({
    method: 'OPTIONS' as const,
    url,
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization,content-type' }
  })

  test('the Losant routes: any origin, preflight included, no credentials', async (t) => {
    const app = await buildTestApp(t, { seed: SEED })
    for (const origin of ['http://localhost:5173', 'https://evil.example']) {
      const answer = expectStatus(await app.inject(preflight(INVITES, origin)), 204)
      assert.equal(answer.headers['access-control-allow-origin'], origin)
      assert.match(String(answer.headers['access-control-allow-methods']), /POST/)
      assert.match(String(answer.headers['access-control-allow-headers']), /authorization/)
      assert.equal(answer.headers['access-control-allow-credentials'], undefined)
      const get = expectStatus(await app.inject({ method: 'GET', url: INVITES, headers: { ...BEARER, origin } }), 200)
      assert.equal(get.headers['access-control-allow-origin'], origin)
    }
  })

  test('/invites: allowed origins (a front end on localhost), not others', async (t) => {
    const app = await buildTestApp(t, { seed: SEED })
    const answer = expectStatus(await app.inject(preflight('/invites', 'http://localhost:5173')), 204)
    assert.equal(answer.headers['access-control-allow-origin'], 'http://localhost:5173')
    const get = await app.inject({ method: 'GET', url: `/invites?email=ann%40example.com&token=${INVITE_TOKEN}`, headers: { origin: 'http://localhost:5173' } })
    assert.deepEqual([get.statusCode, get.headers['access-control-allow-origin']], [200, 'http://localhost:5173'])
    assert.deepEqual(body(await app.inject(preflight('/invites', 'https://evil.example'))), [403, refusedOrigin('/invites', 'https://evil.example')])
  })

  test('the control plane: no grant to other origins unless --cors-origins lists them', async (t) => {
    const app = await buildTestApp(t, { seed: SEED })
    const origin = 'http://localhost:5173'
    assert.deepEqual(body(await app.inject(preflight('/_emulator/tokens', origin))), [403, {
      type: 'Forbidden',
      message: 'The control plane grants cross-origin access only to the origins in --cors-origins: to let http://localhost:5173 call /_emulator/tokens from a browser, ' +
        'start the emulator with --cors-origins http://localhost:5173 (or LOSANT_EMULATOR_CORS_ORIGINS=http://localhost:5173); see docs/SECURITY.md'
    }])
    const get = expectStatus(await app.inject({ method: 'GET', url: '/_emulator/instances', headers: { origin } }), 200)
    assert.equal(get.headers['access-control-allow-origin'], undefined)

    const configured = await buildTestApp(t, { seed: SEED, corsOrigins: ['http://localhost:5173', 'https://tools.example.com'] })
    for (const allowed of ['http://localhost:5173', 'https://tools.example.com']) {
      const answer = expectStatus(await configured.inject(preflight('/_emulator/tokens', allowed)), 204)
      assert.equal(answer.headers['access-control-allow-origin'], allowed)
      const minted = expectStatus(await configured.inject({ method: 'POST', url: '/_emulator/tokens', headers: { origin: allowed }, payload: { scope: ['all.Instance'] } }), 201)
      assert.equal(minted.headers['access-control-allow-origin'], allowed)
    }
    assert.equal((await configured.inject({ method: 'GET', url: '/_emulator/instances', headers: { origin: 'http://localhost:3000' } })).headers['access-control-allow-origin'], undefined)
  })

  test('bad --allowed-hosts and --cors-origins entries are refused at start, saying why', async (t) => {
    await assert.rejects(buildTestApp(t, { allowedHosts: ['emulator:8080'] }), /"emulator:8080" is not a host name: give the name alone, without a scheme, port or path/)
    await assert.rejects(buildTestApp(t, { allowedHosts: ['http://emulator'] }), /not a host name/)
    await assert.rejects(buildTestApp(t, { allowedHosts: ['bad name'] }), /"bad name" is not a host name/)
    await assert.rejects(buildTestApp(t, { corsOrigins: ['localhost:5173'] }), /"localhost:5173" is not an http or https origin/)
    await assert.rejects(buildTestApp(t, { corsOrigins: ['http://localhost:5173/app'] }), /without a path/)
    await assert.rejects(buildTestApp(t, { corsOrigins: ['*'] }), /"\*" cannot be allowed: list the origins/)
  })
})
