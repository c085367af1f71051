import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test, type TestContext } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import { buildWorld, createInstance, expectStatus, postInvite, type World } from '../helper.js'
import { http, isErrorBody, prototypeSnapshot } from './support.js'

/**
 * Limits (body, headers, URL, filter, email), injection (SQL and glob metacharacters are
 * data), prototype pollution and the filesystem. Header and URL limits are Node's, before
 * Fastify: they are checked over real HTTP on 127.0.0.1.
 */
async function listen (t: TestContext, app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return `http://127.0.0.1:${address.port}`
}

const HEADERS_TOO_LARGE = { type: 'RequestHeaderFieldsTooLarge', message: 'Request line and headers are larger than the limit of 16384 bytes' }

/** Raw bytes on a socket, the answer as text: for requests no HTTP client would send. */
function rawExchange (base: string, request: string): Promise<string> {
  const { port } = new URL(base)
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: Number(port) })
    let answer = ''
    socket.on('data', (chunk) => { answer += chunk.toString() })
    socket.on('end', () => resolve(answer))
    socket.on('close', () => resolve(answer))
    socket.on('error', reject)
    socket.end(request)
  })
}

describe('limits', () => {
  test('body: a body of exactly the limit reaches validation, one byte more is 413 (inject and real HTTP)', async (t) => {
    const world = await buildWorld(t, { bodyLimit: 2000 })
    const exactly = (size: number): string => {
      const shell = JSON.stringify({ email: '@b', role: 'view' })
      return JSON.stringify({ email: `${'a'.repeat(size - shell.length)}@b`, role: 'view' })
    }
    assert.equal(exactly(2000).length, 2000)
    expectStatus(await world.app.inject({ method: 'POST', url: world.invitesPath, headers: { ...world.auth, 'content-type': 'application/json' }, payload: exactly(2000) }), 400)
    const over = await world.app.inject({ method: 'POST', url: world.invitesPath, headers: { ...world.auth, 'content-type': 'application/json' }, payload: exactly(2001) })
    assert.deepEqual({ status: over.statusCode, body: over.json() }, { status: 413, body: { type: 'PayloadTooLarge', message: 'Request body is larger than the limit of 2000 bytes' } })

    const app = await buildApp()
    t.after(() => app.close())
    const base = await listen(t, app)
    const answer = await http(base, { method: 'POST', path: '/_emulator/tokens', body: JSON.stringify({ scope: ['a'.repeat(2 * 1024 * 1024)] }) })
    assert.equal(answer.status, 413)
    assert.deepEqual(JSON.parse(answer.body), { type: 'PayloadTooLarge', message: 'Request body is larger than the limit of 1048576 bytes' })
  })

  test('headers and URL past Node\'s 16 KiB: 431 in Losant\'s shape, never 414; just under is served', async (t) => {
    const world = await buildWorld(t)
    const base = await listen(t, world.app)
    const big = 'a'.repeat(17 * 1024)
    const cases: Array<{ label: string, path: string, headers: Record<string, string> }> = [
      { label: 'a big header', path: '/_emulator/health', headers: { 'x-big': big } },
      { label: 'a long URL', path: `/_emulator/health?x=${big}`, headers: {} },
      { label: 'a long token in the header', path: world.invitesPath, headers: { authorization: `Bearer ${world.token}${big}` } },
      { label: 'a long token in the query', path: `${world.invitesPath}?access_token=${world.token}${big}`, headers: {} },
      { label: 'a long path', path: `/instances/${big}/orgs/${world.orgId}/invites`, headers: {} }
    ]
    for (const { label, path, headers } of cases) {
      const answer = await http(base, { method: 'GET', path, headers })
      assert.equal(answer.status, 431, label)
      assert.deepEqual(JSON.parse(answer.body), HEADERS_TOO_LARGE, label)
    }
    // Under the limit, the same shapes reach the routes.
    const under = 'a'.repeat(15 * 1024)
    assert.equal((await http(base, { method: 'GET', path: '/_emulator/health', headers: { 'x-big': under } })).status, 200)
    assert.equal((await http(base, { method: 'GET', path: `/_emulator/health?x=${under}` })).status, 200)
    const longToken = await http(base, { method: 'GET', path: world.invitesPath, headers: { authorization: `Bearer ${world.token}${under}` } })
    assert.deepEqual({ status: longToken.status, body: JSON.parse(longToken.body) }, { status: 401, body: { type: 'Unauthorized', message: 'Invalid access token' } })
    const longPath = await http(base, { method: 'GET', path: `/instances/${under}/orgs/${world.orgId}/invites` })
    assert.deepEqual({ status: longPath.status, body: JSON.parse(longPath.body) }, { status: 400, body: { type: 'BadRequest', message: `/instances/${under}/orgs/${world.orgId}/invites is not a valid URL: a path segment is too long` } })
  })

  test('malformed HTTP on the wire: 400 in Losant\'s shape, and the server keeps serving', async (t) => {
    const world = await buildWorld(t)
    const base = await listen(t, world.app)
    for (const request of ['HELLO\r\n\r\n', 'GET / HTTP/9.9\r\n\r\n', 'GET /_emulator/health HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n', 'GET /\x00 HTTP/1.1\r\n\r\n']) {
      const answer = await rawExchange(base, request)
      assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n/, JSON.stringify(request))
      assert.deepEqual(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)), { type: 'BadRequest', message: 'Malformed HTTP request' })
    }
    assert.equal((await http(base, { method: 'GET', path: world.invitesPath, headers: world.auth })).status, 200)
  })

  test('a URL the router cannot decode: 400 in Losant\'s shape', async (t) => {
    const world = await buildWorld(t)
    for (const path of [`/instances/%E0%A4%A/orgs/${world.orgId}/invites`, '/%', '/_emulator/instances/%ZZ/orgs']) {
      const response = await world.app.inject({ method: 'GET', url: `${path}?access_token=x` })
      assert.equal(response.statusCode, 400, path)
      assert.deepEqual(response.json(), { type: 'BadRequest', message: `${path} is not a valid URL: bad percent-encoding` })
    }
  })

  test('filter: 256 characters pass, 257 are a validation error', async (t) => {
    const world = await buildWorld(t)
    for (const email of ['ann@example.com', 'bob@example.org']) expectStatus(await postInvite(world, { email, role: 'view' }), 201)
    const filter = `${'*'.repeat(244)}@example.com`
    assert.equal(filter.length, 256)
    const ok = expectStatus(await world.app.inject({ method: 'GET', url: `${world.invitesPath}?filterField=email&filter=${filter}`, headers: world.auth }), 200).json()
    assert.deepEqual([ok.items.map((i: any) => i.email), ok.filter], [['ann@example.com'], filter])
    const long = await world.app.inject({ method: 'GET', url: `${world.invitesPath}?filterField=email&filter=${'*'.repeat(257)}`, headers: world.auth })
    assert.deepEqual({ status: long.statusCode, body: long.json() }, { status: 400, body: { type: 'Validation', message: 'filter has longer length than allowed' } })
  })

  test('email: 1024 characters pass, 1025 are a validation error', async (t) => {
    const world = await buildWorld(t)
    const email1024 = `${'a'.repeat(1022)}@b`
    assert.equal(email1024.length, 1024)
    const created = expectStatus(await postInvite(world, { email: email1024, role: 'view' }), 201).json()
    assert.equal(created.items[0].email, email1024)
    const long = await postInvite(world, { email: `a${email1024}`, role: 'view' })
    assert.deepEqual({ status: long.statusCode, body: long.json() }, { status: 400, body: { type: 'Validation', message: 'invite.email has longer length than allowed' } })
  })
})

describe('injection: SQL and glob metacharacters are data', () => {
  const SQLISH = [
    "o'brien@example.com", "x');DROP/**/TABLE/**/invites;--@b", '"quoted"@b', 'semi;colon@b', 'dash--dash@b', 'c/*omment*/@b',
    '%@b', '_@b', 'back\\slash@b', 'nul\u0000byte@b', "'OR'1'='1@b", 'unicode-é@ü.de'
  ]
  const GLOBBY = ['*@*', '?@?', '[a]@b', '{a,b}@c', '!neg@b', 'a**b@c', '^caret$@b']

  async function listEmails (world: World, query = ''): Promise<string[]> {
    const response = expectStatus(await world.app.inject({ method: 'GET', url: `${world.invitesPath}${query}`, headers: world.auth }), 200)
    return response.json().items.map((item: { email: string }) => item.email).sort()
  }

  test('emails with SQL and glob metacharacters are stored and answered verbatim (lower-cased)', async (t) => {
    const world = await buildWorld(t)
    for (const email of [...SQLISH, ...GLOBBY]) expectStatus(await postInvite(world, { email, role: 'view' }), 201)
    assert.deepEqual(await listEmails(world), [...SQLISH, ...GLOBBY].map((e) => e.toLowerCase()).sort())
    // Every one of them found exactly, by an escaped pattern: nothing else matches.
    for (const email of [...SQLISH, ...GLOBBY]) {
      const escaped = email.replace(/[*?[\]{}\\]/g, '\\$&')
      assert.deepEqual(await listEmails(world, `?filterField=email&filter=${encodeURIComponent(escaped)}`), [email.toLowerCase()], email)
    }
    // SQL LIKE wildcards are not wildcards here.
    assert.deepEqual(await listEmails(world, '?filterField=email&filter=%25@b'), ['%@b'])
    assert.deepEqual(await listEmails(world, '?filterField=email&filter=_@b'), ['_@b'])
  })

  test('SQL in ids, sort parameters and filters is refused or matched as text; the tables survive', async (t) => {
    const world = await buildWorld(t)
    expectStatus(await postInvite(world, { email: 'keep@me.test', role: 'view' }), 201)
    const injections = ["' OR 1=1 --", 'email; DROP TABLE invites', 'email DESC, (SELECT 1)', "1') UNION SELECT * FROM settings --"]
    for (const injection of injections) {
      const q = encodeURIComponent(injection)
      for (const url of [`/instances/${q}/orgs/${world.orgId}/invites`, `/instances/${world.instanceId}/orgs/${q}/invites`]) {
        const response = await world.app.inject({ method: 'GET', url, headers: world.auth })
        assert.equal(response.statusCode, 400, url)
        assert.match(response.json().message, /Id pattern mismatch$/)
      }
      for (const param of ['sortField', 'sortDirection', 'filterField']) {
        const response = await world.app.inject({ method: 'GET', url: `${world.invitesPath}?${param}=${q}`, headers: world.auth })
        assert.deepEqual(response.json(), { type: 'Validation', message: `${param} must be an enum value` })
      }
      for (const filterField of ['email', 'role']) {
        assert.deepEqual(await listEmails(world, `?filterField=${filterField}&filter=${q}`), [], `${filterField} ${injection}`)
      }
      const control = await world.app.inject({ method: 'POST', url: '/_emulator/instances', payload: { name: injection } })
      assert.equal(control.statusCode, 201)
      assert.equal(control.json().name, injection)
    }
    assert.deepEqual(await listEmails(world), ['keep@me.test'])
  })
})

describe('nothing in a request pollutes prototypes or reaches the filesystem', () => {
  test('__proto__, constructor and prototype in query, body and nested body: refused, no prototype changes', async (t) => {
    const world = await buildWorld(t)
    const before = prototypeSnapshot()
    const queries = ['?__proto__[polluted]=1', '?constructor[prototype][polluted]=1', '?__proto__.polluted=1', '?__proto__=x&constructor=y&prototype=z']
    for (const query of queries) {
      assert.equal((await world.app.inject({ method: 'GET', url: `${world.invitesPath}${query}`, headers: world.auth })).statusCode, 200, query)
    }
    const bodies = [
      '{"email":"a@b","role":"view","__proto__":{"polluted":1}}',
      '{"email":"a@b","role":"view","constructor":{"prototype":{"polluted":1}}}',
      '{"__proto__":{"email":"a@b","role":"view"}}',
      '{"email":"a@b","role":"view","applicationRoles":[{"resourceId":"aaaaaaaaaaaaaaaaaaaaaaaa","role":"view","__proto__":{"polluted":1}}]}',
      '{"email":"a@b","role":"view","dashboardRoles":{"__proto__":[]}}'
    ]
    for (const payload of bodies) {
      const response = await world.app.inject({ method: 'POST', url: world.invitesPath, headers: { ...world.auth, 'content-type': 'application/json' }, payload })
      assert.equal(response.statusCode, 400, payload)
      assert.ok(isErrorBody(response.json()))
    }
    for (const url of ['/_emulator/instances', '/_emulator/tokens', `/_emulator/instances/${world.instanceId}/orgs`]) {
      const response = await world.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: '{"scope":["a"],"__proto__":{"polluted":1}}' })
      assert.equal(response.statusCode, 400, url)
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
    assert.equal(prototypeSnapshot(), before)
  })

  test('paths, traversal and device names in every field touch no file but the database', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'emulator-fs-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    const world = await buildWorld(t, { db: join(dir, 'data', 'emulator.db') })
    const hostile = ['../../evil', '..\\..\\evil', '/tmp/evil', 'file:///tmp/evil', '/dev/zero', '\\\\.\\pipe\\evil', '%2e%2e%2fevil', ':memory:', `${dir}/evil`]
    for (const value of hostile) {
      const q = encodeURIComponent(value)
      await world.app.inject({ method: 'GET', url: `/instances/${q}/orgs/${q}/invites?filterField=email&filter=${q}&sortField=${q}`, headers: world.auth })
      await world.app.inject({ method: 'GET', url: `/${q}`, headers: world.auth })
      await postInvite(world, { email: `${value}@b`, role: 'view' })
      await world.app.inject({ method: 'POST', url: '/_emulator/instances', payload: { name: value } })
      await createInstance(world.app, { name: value })
    }
    assert.deepEqual(readdirSync(dir), ['data'])
    assert.deepEqual(readdirSync(join(dir, 'data')).filter((name) => !/^emulator\.db(-wal|-shm)?$/.test(name)), [])
    assert.equal(existsSync(join(dir, 'evil')), false)
    assert.equal(existsSync('/tmp/evil'), false)
  })
})
