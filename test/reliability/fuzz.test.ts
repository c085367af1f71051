import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test, type TestContext } from 'node:test'
import isMyJsonValid from 'is-my-json-valid'
import fc from 'fast-check'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { buildApp, type AppOptions } from '../../src/app.js'
import { ALL_SCOPES, createInstance, createOrg, expectStatus, mintToken } from '../helper.js'
import { isErrorBody, isSortedAsAsked, prototypeSnapshot, registeredRoutes, runsFor, SEED } from './support.js'

/**
 * Property-based fuzzing of the whole HTTP surface through `inject`. Every answer must be
 * a status the contract allows for that route, errors exactly `{type, message}`, never a
 * 5xx; the server keeps serving; no built-in prototype changes. The seed is printed as a
 * diagnostic and in fast-check's failure message; replay with RELIABILITY_SEED=<seed>.
 */

// ---- JSON built by hand, so bodies can hold own `__proto__` keys, duplicate keys and deep nesting

type Json = null | boolean | number | string | Json[] | { entries: Array<[string, Json]> } | { raw: string }

function toJson (value: Json): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`
  if ('raw' in value) return value.raw
  return `{${value.entries.map(([k, v]) => `${JSON.stringify(k)}:${toJson(v)}`).join(',')}}`
}

const obj = (entries: Array<[string, Json]>): Json => ({ entries })

const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'] as const
/** `{"__proto__": {"polluted": "yes"}}` and friends, nested a level or two. */
const protoValue: fc.Arbitrary<Json> = fc.constantFrom(...PROTO_KEYS).chain((key) => fc.constantFrom<Json>(
  obj([[key, obj([['polluted', 'yes']])]]),
  obj([[key, obj([['prototype', obj([['polluted', 'yes']])]])]]),
  obj([['constructor', obj([['prototype', obj([['polluted', 'yes']])]])]]),
  obj([[key, 'yes']])
))

const hex24 = fc.stringMatching(/^[0-9a-f]{24}$/)
const loneSurrogates = fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 4 })
const METACHARS = ['*', '?', '[', ']', '{', '}', ',', '!', '^', '\\', '%', '_', "'", '"', ';', '--', '/*', '*/', '\u0000', '..', '/', '%00', '\n', '\t', ' ']
const metaString = fc.array(fc.oneof(fc.constantFrom(...METACHARS), fc.string({ maxLength: 3 })), { maxLength: 12 }).map((parts) => parts.join(''))

/** Any awkward JSON value: wrong types, huge strings, deep nesting, prototype keys, odd unicode. */
const weirdValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, true, false, 0, -1, 1e308, 0.5, '', ' ', 'null', 'true', '0', [], obj([])),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  loneSurrogates,
  metaString,
  fc.integer({ min: 1000, max: 5000 }).map((n) => 'a'.repeat(n) + '@b'),
  fc.integer({ min: 1, max: 20000 }).map((n): Json => ({ raw: '['.repeat(n) + ']'.repeat(n) })),
  fc.integer({ min: 1, max: 5000 }).map((n): Json => ({ raw: '{"a":'.repeat(n) + '1' + '}'.repeat(n) })),
  protoValue,
  fc.jsonValue({ maxDepth: 3 }).map((v): Json => ({ raw: JSON.stringify(v) ?? 'null' }))
)

// ---- the reference: Losant's own schema (test/fixtures), not the emulator's TypeBox copy

// Checked by the real service's own validator, is-my-json-valid (docs/API.md, validation).
const inviteIsValid = (isMyJsonValid as unknown as (schema: object) => (value: unknown) => boolean)(
  JSON.parse(readFileSync(new URL('../fixtures/losant-schemas/orgInvitePost.json', import.meta.url), 'utf8'))
)

// ---- one app per property, rebuilt now and then so collections stay small

interface Fixture {
  app: FastifyInstance
  instanceId: string
  orgId: string
  token: string
  invitesPath: string
}

async function buildFixture (options: AppOptions): Promise<Fixture> {
  const app = await buildApp(options)
  const instanceId = (await createInstance(app)).id
  const orgId = (await createOrg(app, instanceId)).id
  const token = await mintToken(app, ALL_SCOPES)
  return { app, instanceId, orgId, token, invitesPath: `/instances/${instanceId}/orgs/${orgId}/invites` }
}

class Harness {
  fixture!: Fixture
  cases = 0
  /** Answers by status, printed at the end: shows the fuzzing reaches past validation. */
  readonly statuses = new Map<number, number>()
  readonly #options: AppOptions
  readonly #rebuildEvery: number
  readonly #prototypes = prototypeSnapshot()

  constructor (options: AppOptions, rebuildEvery: number) {
    this.#options = options
    this.#rebuildEvery = rebuildEvery
  }

  async start (t: TestContext): Promise<void> {
    this.fixture = await buildFixture(this.#options)
    t.after(() => this.fixture.app.close())
  }

  /** Before each case: a fresh app every so often (invites pile up otherwise). */
  async next (): Promise<Fixture> {
    this.cases++
    if (this.cases % this.#rebuildEvery === 0) {
      await this.assertServing()
      await this.fixture.app.close()
      this.fixture = await buildFixture(this.#options)
    }
    return this.fixture
  }

  /** The invariants every answer keeps, whatever was asked. */
  checkAnswer (response: LightMyRequestResponse, method: string, allowed: ReadonlySet<number>, label: string, jsonErrors = true): void {
    this.statuses.set(response.statusCode, (this.statuses.get(response.statusCode) ?? 0) + 1)
    assert.ok(response.statusCode < 500, `${label}: ${response.statusCode} ${response.body}`)
    assert.ok(allowed.has(response.statusCode), `${label}: status ${response.statusCode} not allowed here: ${response.body}`)
    if (jsonErrors && response.statusCode >= 400 && method !== 'HEAD') {
      assert.match(String(response.headers['content-type']), /^application\/json/, label)
      assert.ok(isErrorBody(response.json()), `${label}: error body ${response.body}`)
    }
    assert.equal(prototypeSnapshot(), this.#prototypes, `${label}: a built-in prototype changed`)
    assert.equal(({} as Record<string, unknown>).polluted, undefined, `${label}: Object.prototype polluted`)
  }

  summary (): string {
    return [...this.statuses].sort(([a], [b]) => a - b).map(([status, count]) => `${status}: ${count}`).join(', ')
  }

  /**
   * The server keeps serving: health, and a valid listing, answer 200. The listing is of
   * an org made now: fuzzed control-plane calls (reset, deletes, snapshots) may have
   * removed the fixture's own, as they may.
   */
  async assertServing (): Promise<void> {
    const { app } = this.fixture
    expectStatus(await app.inject({ method: 'GET', url: '/_emulator/health' }), 200)
    const instanceId = (await createInstance(app)).id
    const orgId = (await createOrg(app, instanceId)).id
    const token = await mintToken(app, ALL_SCOPES)
    const listing = expectStatus(await app.inject({ method: 'GET', url: `/instances/${instanceId}/orgs/${orgId}/invites`, headers: { authorization: `Bearer ${token}` } }), 200).json()
    assert.equal(listing.count, listing.items.length)
  }
}

function fuzzOptions (t: TestContext, numRuns: number): fc.Parameters<unknown> {
  t.diagnostic(`fast-check seed ${SEED}, ${numRuns} runs (replay: RELIABILITY_SEED=${SEED})`)
  return { seed: SEED, numRuns, verbose: 0 }
}

/** fast-check's report (seed, path, counterexample) as the failure message, whatever the reporter shows. */
async function assertProperty (property: fc.IAsyncProperty<any>, params: fc.Parameters<unknown>): Promise<void> {
  const details = await fc.check(property, params)
  if (!details.failed) return
  // Counterexamples can be megabytes (huge bodies): keep the head, which holds the seed and path.
  const clip = (text: string, max: number): string => text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text
  const report = fc.defaultReportMessage(details) ?? `property failed (seed ${SEED})`
  const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance)
  throw new Error(`${clip(report, 3000)}\nThe failure: ${clip(cause, 2000)}`)
}

/** The path a request reaches once its URL is parsed (`/..` and `/#frag` are `/`); undefined when it does not parse. */
function parsedPath (path: string): string | undefined {
  try {
    return new URL(path, 'http://emulator.test').pathname
  } catch {
    return undefined
  }
}

const LOSANT_STATUSES = new Set([200, 201, 400, 401, 403, 404, 405, 410, 413, 415])
const CONTROL_STATUSES = new Set([200, 201, 204, 400, 401, 404, 405, 409, 413, 415])
const DOCS_STATUSES = new Set([200, 204, 302, 304, 400, 401, 403, 404, 405, 413, 415])

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'PROPFIND'] as const
const CONTENT_TYPES = [
  'application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/json; charset=latin1',
  'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml',
  'application/jsonx', 'application/json, text/plain', ';;;', 'json', '*/*'
]

describe('fuzzing the HTTP surface (fast-check through inject)', () => {
  test('routes are read from the app itself, so new routes are fuzzed too', async (t) => {
    const app = await buildApp()
    t.after(() => app.close())
    const routes = registeredRoutes(app)
    const byUrl = new Map(routes.map((r) => [r.url, r.methods]))
    assert.deepEqual(byUrl.get('/instances/:instanceId/orgs/:orgId/invites'), ['GET', 'HEAD', 'POST'])
    assert.deepEqual(byUrl.get('/_emulator/instances/:instanceId/orgs'), ['POST'])
    assert.deepEqual(byUrl.get('/_emulator/health'), ['GET', 'HEAD'])
  })

  test('any method, mutated path, query, headers and body: an allowed status, Losant error bodies, no 5xx', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'emulator-fuzz-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    const harness = new Harness({ db: join(dir, 'fuzz.db'), bodyLimit: 64 * 1024 }, 500)
    await harness.start(t)
    // The live streams (the journal's, the changes') never end, so inject would wait for ever (they have their own tests).
    const routes = registeredRoutes(harness.fixture.app).filter((route) => !route.url.endsWith('/stream'))
    const numRuns = runsFor('surface')

    const segment = fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom('@instance', '@org', '@INSTANCE') },
      { weight: 2, arbitrary: hex24 },
      { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }).map(encodeURIComponent) },
      { weight: 2, arbitrary: fc.constantFrom('', '..', '.', '%2e%2e', '%2F', '%00', '%', '%E0%A4%A', '%ZZ', '%C0%AF', "'%20OR%201=1--", '*', '%2A', '__proto__', 'constructor', 'a'.repeat(5000), '..%2F..%2Fetc%2Fpasswd', '%ZZ'.repeat(2000)) },
      { weight: 1, arbitrary: metaString.map(encodeURIComponent) }
    )
    const mutation = fc.constantFrom('none', 'trailing-slash', 'double-slash', 'drop-segment', 'duplicate-segment', 'upper-case', 'extra-segment', 'dot-dot', 'semicolon', 'fragment')
    const pathArb = fc.record({
      route: fc.constantFrom(...routes),
      params: fc.array(segment, { minLength: 4, maxLength: 4 }),
      // Most paths intact, so requests get past routing into validation, auth and the handlers.
      mutations: fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 2, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 2 }) }),
      ownMethod: fc.nat(),
      extra: segment
    })

    const queryKey = fc.oneof(
      fc.constantFrom('sortField', 'sortDirection', 'filterField', 'filter', '_links', '_actions', '_embedded', 'access_token', 'jwt',
        '__proto__', 'constructor', '__proto__[polluted]', 'constructor[prototype][polluted]', '__proto__.polluted', 'polluted', 'a[]', 'email', 'token'),
      fc.string({ maxLength: 8 })
    )
    const queryValue = fc.oneof(
      fc.constantFrom('@token', 'email', 'role', 'inviteDate', 'asc', 'desc', 'ASC', '', 'true', 'false', '*', '*@*', 'a'.repeat(300), 'yes'),
      metaString,
      fc.string({ unit: 'binary', maxLength: 20 })
    )
    const queryArb = fc.array(fc.tuple(queryKey, queryValue, fc.boolean()), { maxLength: 6 })

    const headerValue = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 })
    const headersArb = fc.record({
      authorization: fc.option(fc.oneof(
        fc.constantFrom('Bearer @token', 'JWT @token', 'bearer @token', 'Bearer', 'Basic @token', 'Bearer @token @token', 'Bearer garbage', 'Bearer a.b.c', `Bearer ${'x'.repeat(9000)}`),
        headerValue
      ), { nil: undefined }),
      contentType: fc.option(fc.constantFrom(...CONTENT_TYPES), { nil: undefined }),
      others: fc.array(fc.tuple(fc.constantFrom('accept-version', 'losantdomain', 'accept', 'x-forwarded-for', 'content-encoding', 'x-http-method-override', 'cookie'), headerValue), { maxLength: 3 })
    })

    const invite = fc.record({
      email: fc.oneof(fc.emailAddress(), weirdValue),
      role: fc.oneof(fc.constantFrom('admin', 'edit', 'collaborate', 'view', 'none'), weirdValue)
    }).map(({ email, role }) => obj([['email', email as Json], ['role', role as Json]]))
    const bodyArb = fc.oneof(
      fc.constant<string | Buffer | undefined>(undefined),
      invite.map(toJson),
      weirdValue.map(toJson),
      fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
      fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
      fc.constantFrom('', ' ', '{', '{"email":', 'null', '[]', '"x"'),
      fc.integer({ min: 60 * 1024, max: 70 * 1024 }).map((n) => `{"email":"${'a'.repeat(n)}@b","role":"view"}`)
    )

    const property = fc.asyncProperty(fc.constantFrom(...METHODS), pathArb, queryArb, headersArb, bodyArb, async (rawMethod, pathSpec, query, headerSpec, body) => {
      const fixture = await harness.next()
      const fill = (value: string): string => value
        .replace('@instance', fixture.instanceId).replace('@INSTANCE', fixture.instanceId.toUpperCase()).replace('@org', fixture.orgId)
        .replace('@token', fixture.token).replace('@token', fixture.token)
      // Params in order, then the mutations a client or an attacker might make to the path.
      let paramIndex = 0
      const segments = pathSpec.route.url.split('/').map((part) => part.startsWith(':') ? fill(pathSpec.params[paramIndex++ % 4]!) : part)
      for (const m of pathSpec.mutations) {
        const at = Math.max(1, segments.length - 1)
        if (m === 'drop-segment' && segments.length > 2) segments.splice(at, 1)
        else if (m === 'duplicate-segment') segments.splice(at, 0, segments[at]!)
        else if (m === 'extra-segment') segments.push(fill(pathSpec.extra))
        else if (m === 'dot-dot') segments.push('..', segments[at] ?? '')
      }
      let path = segments.join('/') || '/'
      for (const m of pathSpec.mutations) {
        if (m === 'trailing-slash') path += '/'
        else if (m === 'double-slash') path = path.replace('/', '//')
        else if (m === 'upper-case') path = path.toUpperCase()
        else if (m === 'semicolon') path += ';x=1'
        else if (m === 'fragment') path += '#frag'
      }
      const queryString = query.map(([k, v, encode]) => encode ? `${encodeURIComponent(k)}=${encodeURIComponent(fill(v))}` : `${k}=${fill(v)}`).join('&')
      const url = queryString === '' ? path : `${path}?${queryString}`
      const headers: Record<string, string> = {}
      for (const [name, value] of headerSpec.others) headers[name] = value
      if (headerSpec.authorization !== undefined) headers.authorization = fill(headerSpec.authorization)
      if (headerSpec.contentType !== undefined) headers['content-type'] = headerSpec.contentType
      // Three times in four a method the route has; otherwise any.
      const method = pathSpec.ownMethod % 4 === 3 ? rawMethod : pathSpec.route.methods[pathSpec.ownMethod % pathSpec.route.methods.length]!
      const label = `${method} ${url.slice(0, 200)}`

      const response = await fixture.app.inject({ method: method as InjectOptions['method'], url, headers, ...(body === undefined || method === 'GET' || method === 'HEAD' ? {} : { payload: body }) })
      const control = path.toLowerCase().startsWith('/_emulator')
      // The docs page is @fastify/swagger-ui's HTML and static files, the web UI is ours and `/`
      // redirects to it: never a 5xx, but not JSON.
      const reached = parsedPath(path) ?? path
      const docs = /^\/_emulator\/(docs|ui)(\/|$)/.test(reached) || reached === '/'
      harness.checkAnswer(response, method, docs ? DOCS_STATUSES : control ? CONTROL_STATUSES : LOSANT_STATUSES, label, !docs)
      if (!control && response.statusCode < 300) {
        // Only the fixture's own token opens a Losant route.
        assert.ok(url.includes(fixture.token) || (headers.authorization ?? '').includes(fixture.token), `${label}: ${response.statusCode} without a token`)
        if (method !== 'HEAD') {
          const collection = response.json()
          assert.equal(collection.count, collection.items.length, label)
        }
      }
      if (harness.cases % 250 === 0) await harness.assertServing()
    })
    await assertProperty(property, fuzzOptions(t, numRuns))
    await harness.assertServing()
    t.diagnostic(`answers by status: ${harness.summary()}`)
    // Nothing in any request reached the filesystem: the database's folder holds only the database.
    assert.deepEqual(readdirSync(dir).filter((name) => !/^fuzz\.db(-wal|-shm)?$/.test(name)), [])
  })

  test('POST invite bodies, valid with one field broken: 201 exactly when Losant\'s own schema accepts, else 400 about the invite', async (t) => {
    const harness = new Harness({}, 250)
    await harness.start(t)
    const numRuns = runsFor('inviteBodies')
    const role = fc.constantFrom('admin', 'edit', 'collaborate', 'view', 'none')
    const resourceRole = fc.record({ resourceId: hex24, role: fc.constantFrom('collaborate', 'view', 'none') }).map((r) => obj([['resourceId', r.resourceId], ['role', r.role]]))
    const validEmail = fc.oneof(fc.emailAddress(), fc.tuple(metaString, metaString).map(([a, b]) => `${a.replace(/\s/g, '') || 'x'}@${b.replace(/\s/g, '') || 'y'}`))
    const base = fc.record({
      email: validEmail,
      role,
      applicationRoles: fc.option(fc.array(resourceRole, { maxLength: 3 }), { nil: undefined }),
      dashboardRoles: fc.option(fc.array(resourceRole, { maxLength: 3 }), { nil: undefined }),
      disallowTransfer: fc.option(fc.boolean(), { nil: undefined })
    })
    const FIELDS = ['email', 'role', 'applicationRoles', 'dashboardRoles', 'disallowTransfer'] as const
    const breakage = fc.oneof(
      fc.record({ kind: fc.constant('none' as const) }),
      fc.record({ kind: fc.constant('remove' as const), field: fc.constantFrom(...FIELDS) }),
      fc.record({ kind: fc.constant('replace' as const), field: fc.constantFrom(...FIELDS), value: weirdValue }),
      fc.record({ kind: fc.constant('extra' as const), key: fc.oneof(fc.constantFrom(...PROTO_KEYS, 'Email', 'id', 'token'), fc.string({ maxLength: 8 })), value: weirdValue }),
      fc.record({ kind: fc.constant('item' as const), field: fc.constantFrom('applicationRoles', 'dashboardRoles'), key: fc.constantFrom('resourceId', 'role', ...PROTO_KEYS), value: weirdValue }),
      fc.record({ kind: fc.constant('too-many' as const), field: fc.constantFrom('applicationRoles', 'dashboardRoles'), count: fc.integer({ min: 99, max: 102 }) }),
      fc.record({ kind: fc.constant('duplicate-key' as const), field: fc.constantFrom(...FIELDS), value: weirdValue }),
      fc.record({ kind: fc.constant('whole' as const), value: weirdValue })
    )

    const property = fc.asyncProperty(base, breakage, async (valid, broken) => {
      const fixture = await harness.next()
      const entries: Array<[string, Json]> = []
      for (const field of FIELDS) {
        const value = valid[field]
        if (value !== undefined) entries.push([field, value as Json])
      }
      let body: Json = obj(entries)
      if (broken.kind === 'remove') body = obj(entries.filter(([k]) => k !== broken.field))
      else if (broken.kind === 'replace') body = obj([...entries.filter(([k]) => k !== broken.field), [broken.field, broken.value]])
      else if (broken.kind === 'extra') body = obj([...entries, [broken.key, broken.value]])
      else if (broken.kind === 'duplicate-key') body = obj([...entries, [broken.field, broken.value]])
      else if (broken.kind === 'whole') body = broken.value
      else if (broken.kind === 'item') body = obj([...entries.filter(([k]) => k !== broken.field), [broken.field, [obj([['resourceId', 'a'.repeat(24)], ['role', 'view'], [broken.key, broken.value]])]]])
      else if (broken.kind === 'too-many') body = obj([...entries.filter(([k]) => k !== broken.field), [broken.field, Array.from({ length: broken.count }, () => obj([['resourceId', 'b'.repeat(24)], ['role', 'none']]))]])
      const text = toJson(body)

      const response = await fixture.app.inject({ method: 'POST', url: fixture.invitesPath, headers: { authorization: `Bearer ${fixture.token}`, 'content-type': 'application/json' }, payload: text })
      harness.checkAnswer(response, 'POST', new Set([201, 400]), text.slice(0, 200))
      let parsed: unknown
      let parses = true
      try { parsed = JSON.parse(text) } catch { parses = false }
      const expected = parses && inviteIsValid(parsed) ? 201 : 400
      assert.equal(response.statusCode, expected, `${text.slice(0, 300)} -> ${response.body.slice(0, 300)}`)
      if (expected === 201) {
        const email = ((parsed as { email: string }).email).toLowerCase()
        const found = response.json().items.filter((item: { email: string }) => item.email === email)
        assert.equal(found.length, 1, `${email} once in the collection`)
        assert.equal(found[0].role, (parsed as { role: string }).role)
      } else {
        const error = response.json()
        assert.equal(error.type, 'Validation')
        assert.ok(error.message.startsWith('invite') || error.message === 'Request body is not valid JSON' || error.message === 'Request body is nested more than 64 levels deep', error.message)
      }
    })
    await assertProperty(property, fuzzOptions(t, numRuns))
    await harness.assertServing()
    t.diagnostic(`answers by status: ${harness.summary()}`)
  })

  test('GET listing queries: 200 with a consistent, sorted collection when valid, else 400 naming the parameter', async (t) => {
    const harness = new Harness({}, 1_000_000)
    await harness.start(t)
    const { app, invitesPath, token } = harness.fixture
    const population = ['ann@example.com', 'bob@example.com', "o'brien@x.io", '%@b', '_@b', 'a*b@c', '[x]@y', '{a,b}@c', 'x\\y@z', 'é@ü.de', 'semi;colon@drop.table', 'q?@w', '!bang@b', '--@--']
    const roles = ['admin', 'edit', 'collaborate', 'view', 'none']
    for (const [i, email] of population.entries()) {
      expectStatus(await app.inject({ method: 'POST', url: invitesPath, headers: { authorization: `Bearer ${token}` }, payload: { email, role: roles[i % roles.length] } }), 201)
    }
    const known = new Set(population.map((e) => e.toLowerCase()))
    const numRuns = runsFor('listQueries')

    const globChar = fc.constantFrom('*', '?', '[', ']', '{', '}', ',', '!', '^', '\\', '-', '@', '.', 'a', 'b', 'e', 'x', 'n', 'o', '%', '_', "'", ';', 'é')
    const filter = fc.oneof(fc.array(globChar, { maxLength: 20 }).map((c) => c.join('')), fc.constantFrom(...population), fc.integer({ min: 250, max: 260 }).map((n) => '*'.repeat(n)), fc.constant('{a,b}'.repeat(7)))
    const param = fc.oneof(
      fc.tuple(fc.constant('sortField'), fc.constantFrom('email', 'role', 'inviteDate', 'id', 'EMAIL', '')),
      fc.tuple(fc.constant('sortDirection'), fc.constantFrom('asc', 'desc', 'ASC', 'DESC', '', '1')),
      fc.tuple(fc.constant('filterField'), fc.constantFrom('email', 'role', '', 'id', 'token')),
      fc.tuple(fc.constant('filter'), filter),
      fc.tuple(fc.constantFrom('_links', '_actions', '_embedded', 'unknown', '__proto__', 'constructor[prototype][polluted]'), fc.constantFrom('true', 'false', 'yes'))
    )
    const ENUMS: Record<string, readonly string[]> = { sortField: ['email', 'role', 'inviteDate'], sortDirection: ['asc', 'desc'], filterField: ['email', 'role'] }

    const property = fc.asyncProperty(fc.array(param, { maxLength: 6 }), async (params) => {
      await harness.next()
      const search = new URLSearchParams(params)
      const response = await app.inject({ method: 'GET', url: `${invitesPath}?${search.toString()}`, headers: { authorization: `Bearer ${token}` } })
      harness.checkAnswer(response, 'GET', new Set([200, 400]), search.toString())
      // The reference: each known parameter at most once, enums exact, filter at most 256
      // characters; the global parameters, in their place after them, true or false.
      const values = (name: string): string[] => params.filter(([k]) => k === name).map(([, v]) => v)
      let invalid: string | null = null
      for (const name of ['sortField', 'sortDirection', 'filterField', 'filter']) {
        const given = values(name)
        if (given.length > 1) invalid ??= name
        else if (given.length === 1 && ENUMS[name] !== undefined && !ENUMS[name]!.includes(given[0]!)) invalid ??= name
        else if (given.length === 1 && name === 'filter' && [...given[0]!].length > 256) invalid ??= name
      }
      for (const name of ['_actions', '_links', '_embedded']) {
        const given = values(name)
        if (given.length > 1 || (given.length === 1 && given[0] !== 'true' && given[0] !== 'false')) invalid ??= name
      }
      if (invalid !== null) {
        assert.equal(response.statusCode, 400, `${search} -> ${response.body}`)
        assert.equal(response.json().type, 'Validation')
        return
      }
      if (response.statusCode === 400) {
        // The one other refusal: a brace-heavy glob.
        assert.match(response.json().message, /^filter has more than \d+ brace alternatives$/, `${search} -> ${response.body}`)
        return
      }
      const collection = response.json()
      const sortField = (values('sortField')[0] ?? 'inviteDate') as 'email' | 'role' | 'inviteDate'
      const sortDirection = (values('sortDirection')[0] ?? 'desc') as 'asc' | 'desc'
      assert.equal(collection.count, collection.items.length)
      assert.equal(collection.sortField, sortField)
      assert.equal(collection.sortDirection, sortDirection)
      const ids = collection.items.map((i: { id: string }) => i.id)
      assert.equal(new Set(ids).size, ids.length, 'no duplicates')
      for (const item of collection.items) assert.ok(known.has(item.email), `unknown ${item.email}`)
      assert.ok(isSortedAsAsked(collection.items, sortField, sortDirection), `${search}: not sorted`)
      const filterField = values('filterField')[0]
      const filterValue = values('filter')[0]
      if (filterField === undefined || filterValue === undefined || filterValue === '') assert.equal(collection.count, population.length, 'no filter, everything')
      // A literal pattern (no glob characters) is an exact, case-insensitive match: `%` and `_` are not SQL wildcards.
      if (filterField === 'email' && filterValue !== undefined && filterValue !== '' && !/[*?[\]{}\\]/.test(filterValue)) {
        assert.deepEqual(collection.items.map((i: { email: string }) => i.email), known.has(filterValue.toLowerCase()) ? [filterValue.toLowerCase()] : [])
      }
    })
    await assertProperty(property, fuzzOptions(t, numRuns))
    await harness.assertServing()
    t.diagnostic(`answers by status: ${harness.summary()}`)
  })

  test('control-plane bodies and ids: documented statuses only, errors in Losant\'s shape', async (t) => {
    const harness = new Harness({}, 500)
    await harness.start(t)
    const numRuns = runsFor('controlBodies')
    const field = fc.oneof(fc.constantFrom('id', 'name', 'scope', 'instanceId', 'expiresIn', ...PROTO_KEYS), fc.string({ maxLength: 6 }))
    const value = fc.oneof(hex24.map((s): Json => s), fc.constantFrom<Json>(['all.Instance'], ['*'], ['a b'], [], 1, 0, -1, 3600, 1e12), weirdValue)
    const property = fc.asyncProperty(
      fc.constantFrom('/_emulator/instances', '/_emulator/instances/@instance/orgs', '/_emulator/instances/@unknown/orgs', '/_emulator/tokens', '/_emulator/instances/@bad/orgs'),
      fc.oneof(fc.array(fc.tuple(field, value), { maxLength: 4 }).map((entries): Json => obj(entries)), weirdValue),
      hex24,
      async (template, body, unknownId) => {
        const fixture = await harness.next()
        const url = template.replace('@instance', fixture.instanceId).replace('@unknown', unknownId).replace('@bad', "x'--")
        const text = toJson(body)
        const response = await fixture.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: text })
        harness.checkAnswer(response, 'POST', new Set([201, 400, 404, 409]), `${url} ${text.slice(0, 200)}`)
        if (response.statusCode === 201) assert.equal(typeof (response.json().id ?? response.json().token), 'string')
      })
    await assertProperty(property, fuzzOptions(t, numRuns))
    await harness.assertServing()
    t.diagnostic(`answers by status: ${harness.summary()}`)
  })

  test('raw bodies (non-UTF-8 bytes, any content type, empty, over the limit): 201/400/413/415, never 5xx', async (t) => {
    const harness = new Harness({ bodyLimit: 4096 }, 500)
    await harness.start(t)
    const numRuns = runsFor('rawBodies')
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
      // A valid invite with one byte replaced by something that is not UTF-8.
      fc.tuple(fc.emailAddress(), fc.integer({ min: 0, max: 60 }), fc.constantFrom(0xff, 0xfe, 0xc0, 0x80, 0xed, 0x00)).map(([email, at, byte]) => {
        const buffer = Buffer.from(JSON.stringify({ email, role: 'view' }))
        buffer[at % buffer.length] = byte
        return buffer
      }),
      fc.integer({ min: 4000, max: 4200 }).map((n) => Buffer.from(`{"email":"${'a'.repeat(n)}@b","role":"view"}`)),
      fc.constantFrom(Buffer.alloc(0), Buffer.from('\ufeff{"email":"a@b","role":"view"}'), Buffer.from('{"email":"a@b","role":"view"}\u0000'))
    )
    const property = fc.asyncProperty(fc.option(fc.constantFrom(...CONTENT_TYPES), { nil: undefined }), bytes, fc.constantFrom('/invites', '/_emulator/instances', '/_emulator/tokens'), async (contentType, payload, target) => {
      const fixture = await harness.next()
      const url = target === '/invites' ? fixture.invitesPath : target
      const response = await fixture.app.inject({
        method: 'POST',
        url,
        headers: { authorization: `Bearer ${fixture.token}`, ...(contentType === undefined ? {} : { 'content-type': contentType }) },
        payload
      })
      harness.checkAnswer(response, 'POST', new Set([201, 400, 413, 415]), `${contentType} ${payload.subarray(0, 80).toString('hex')}`)
      // Over the limit: 413 once the body is JSON (an unsupported type is refused first, 415).
      if (payload.length > 4096 && contentType?.split(';')[0]!.trim().toLowerCase() === 'application/json') assert.equal(response.statusCode, 413)
    })
    await assertProperty(property, fuzzOptions(t, numRuns))
    await harness.assertServing()
    t.diagnostic(`answers by status: ${harness.summary()}`)
  })
})
