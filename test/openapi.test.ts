import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test, type TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'
import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifyInstance } from 'fastify'
import { buildTestApp, buildWorld, expectStatus, postInvite } from './helper.js'

/**
 * The OpenAPI document at /_emulator/openapi.json: checked against what the emulator does
 * (scopes accepted, tokens taken, admin token required, answers' shapes), and by Redocly's
 * linter with its recommended rules.
 */
type Operation = {
  operationId: string
  description?: string
  security: Array<Record<string, string[]>>
  responses: Record<string, { description: string, content?: Record<string, { schema: any }> }>
  requestBody?: { content: Record<string, { schema: any }> }
  'x-losant-scopes'?: string[]
}
type Document = { servers: Array<{ url: string }>, paths: Record<string, Record<string, Operation>>, components: { schemas: Record<string, unknown>, securitySchemes: Record<string, any> } }

async function documentOf (app: FastifyInstance): Promise<Document> {
  return expectStatus(await app.inject({ method: 'GET', url: '/_emulator/openapi.json' }), 200).json()
}

function operations (doc: Document): Array<[string, string, Operation]> {
  return Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => [method.toUpperCase(), path, op] as [string, string, Operation]))
}

const INVITE = 'cccccccccccccccccccccccc'

describe('the OpenAPI document', () => {
  test('every Losant operation lists its accepted scopes, as the README\'s API table says them', async (t) => {
    const doc = await documentOf(await buildTestApp(t))
    // The README's table: `METHOD /path` | `scope`, `scope`, ... | answer
    const readme = readFileSync('README.md', 'utf8')
    const table = readme.slice(readme.indexOf('## The Losant API'), readme.indexOf('### The invite lifecycle'))
    const expected = new Map(table.split('\n').filter((line) => line.startsWith('| `GET') || line.startsWith('| `POST') || line.startsWith('| `DELETE'))
      .map((line) => line.slice(1, -1).split('|').map((cell) => cell.trim()))
      .filter(([, scopes]) => !scopes!.startsWith('none'))
      .map(([operation, scopes]) => [/`([A-Z]+ \S+)`/.exec(operation!)![1]!, [...scopes!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!)]))
    assert.equal(expected.size, 5)
    const losant = operations(doc).filter(([, , op]) => op['x-losant-scopes'] !== undefined)
    assert.deepEqual(losant.map(([method, path]) => `${method} ${path}`).sort(), [...expected.keys()].sort())
    for (const [method, path, op] of losant) {
      const scopes = expected.get(`${method} ${path}`)!
      assert.deepEqual([...op['x-losant-scopes']!].sort(), [...scopes].sort(), `${method} ${path}`)
      for (const scope of scopes) assert.ok(op.description?.includes(`\`${scope}\``), `${method} ${path}: ${scope} in the description`)
    }
  })

  test('every Losant operation declares the contract\'s global parameters: _actions, _links, _embedded (query, boolean) and losantdomain (header, string)', async (t) => {
    const doc = await documentOf(await buildTestApp(t))
    // The contract's globalParams.json, as written there.
    const globals = [
      { name: '_actions', in: 'query', type: 'boolean' },
      { name: '_links', in: 'query', type: 'boolean' },
      { name: '_embedded', in: 'query', type: 'boolean' },
      { name: 'losantdomain', in: 'header', type: 'string' }
    ]
    const losant = operations(doc).filter(([, path]) => !path.startsWith('/_emulator'))
    assert.equal(losant.length, 7, 'the Losant operations: 2 + 3 + 2')
    for (const [method, path, op] of losant) {
      const declared = ((op as any).parameters as Array<{ name: string, in: string, required?: boolean, schema: { type: string } }>)
        .filter((p) => globals.some((g) => g.name === p.name))
        .map((p) => ({ name: p.name, in: p.in, type: p.schema.type, required: p.required ?? false }))
      assert.deepEqual(declared.sort((a, b) => a.name.localeCompare(b.name)), globals.map((g) => ({ ...g, required: false })).sort((a, b) => a.name.localeCompare(b.name)), `${method} ${path}`)
    }
  })

  test('the /invites operations are named and described as the contract does: orgInvites.get and orgInvites.post', async (t) => {
    const doc = await documentOf(await buildTestApp(t))
    const invites = doc.paths['/invites']!
    // The contract: resource orgInvites, actions get ("Gets information about an invite") and post ("Accepts/Rejects an invite").
    assert.equal(invites.get!.operationId, 'orgInvites.get')
    assert.equal(invites.post!.operationId, 'orgInvites.post')
    assert.equal((invites.get as any).summary, 'Gets information about an invite')
    assert.equal((invites.post as any).summary, 'Accepts/Rejects an invite')
    for (const op of [invites.get!, invites.post!]) assert.match(op.description ?? '', /no token/i)
  })

  test('token operations take the bearer header or the access_token / jwt query; /invites and health need none', async (t) => {
    const world = await buildWorld(t)
    const doc = await documentOf(world.app)
    const schemes = doc.components.securitySchemes
    const get = doc.paths['/instances/{instanceId}/orgs/{orgId}/invites']!.get!
    const names = get.security.map((requirement) => Object.keys(requirement)[0]!)
    const query = names.map((name) => schemes[name]).filter((scheme) => scheme.in === 'query').map((scheme) => scheme.name).sort()
    assert.deepEqual(query, ['access_token', 'jwt'])
    assert.ok(names.some((name) => schemes[name].type === 'http' && schemes[name].scheme === 'bearer'))
    for (const parameter of query) {
      expectStatus(await world.app.inject({ method: 'GET', url: `${world.invitesPath}?${parameter}=${world.token}` }), 200)
    }
    // No parameter of that name is listed besides the schemes.
    assert.equal((get as any).parameters.some((p: { name: string }) => query.includes(p.name)), false)
    for (const [path, method] of [['/invites', 'get'], ['/invites', 'post'], ['/_emulator/health', 'get']] as const) {
      assert.deepEqual(doc.paths[path]![method]!.security, [], `${method} ${path}`)
    }
  })

  test('the control plane: no security without an admin token; the admin-token scheme, only there, with one', async (t) => {
    const open = await documentOf(await buildTestApp(t))
    assert.equal(Object.values(open.components.securitySchemes).some((scheme) => scheme.description?.includes('admin')), false)
    for (const [method, path, op] of operations(open)) {
      if (path.startsWith('/_emulator')) assert.deepEqual(op.security, [], `${method} ${path}`)
    }

    const app = await buildTestApp(t, { adminToken: 'adm' })
    const guarded = await documentOf(app)
    const [adminScheme] = Object.entries(guarded.components.securitySchemes).filter(([, scheme]) => scheme.description?.includes('admin'))
    assert.ok(adminScheme !== undefined, 'an admin-token scheme')
    for (const [method, path, op] of operations(guarded)) {
      const needsAdmin = op.security.some((requirement) => adminScheme[0] in requirement)
      assert.equal(needsAdmin, path.startsWith('/_emulator') && !['/_emulator/health', '/_emulator/openapi.json'].includes(path), `${method} ${path}`)
      if (!path.startsWith('/_emulator')) continue
      // What it says is what happens: without the token, 401 exactly where the scheme applies.
      const url = path.replace(/\{[^}]+\}/g, 'aaaaaaaaaaaaaaaaaaaaaaaa')
      const response = await app.inject({ method: method as 'GET', url })
      assert.equal(response.statusCode === 401, needsAdmin, `${method} ${path}: ${response.statusCode}`)
    }
  })

  test('every response says what it means: no "Default Response"; 401 by who may call', async (t) => {
    const doc = await documentOf(await buildTestApp(t, { adminToken: 'adm' }))
    for (const [method, path, op] of operations(doc)) {
      assert.ok(Object.keys(op.responses).length > 0, `${method} ${path}`)
      for (const [status, response] of Object.entries(op.responses)) {
        assert.ok(response.description.length > 0 && response.description !== 'Default Response', `${method} ${path} ${status}: ${response.description}`)
      }
    }
    const losant401 = doc.paths['/instances/{instanceId}/orgs/{orgId}/invites']!.get!.responses['401']!.description
    const admin401 = doc.paths['/_emulator/snapshot']!.get!.responses['401']!.description
    assert.notEqual(losant401, admin401)
    assert.match(admin401, /admin token/)
  })

  test('named component schemas, which the bodies and answers refer to and real answers match', async (t) => {
    const world = await buildWorld(t)
    const doc = await documentOf(world.app)
    for (const name of ['OrgInvite', 'OrgInviteCollection', 'OrgInvitePost', 'OrgRoleInfo', 'OrgInviteInfo', 'OrgInviteAction', 'OrgInviteResult', 'Success', 'Error']) {
      assert.ok(doc.components.schemas[name] !== undefined, name)
    }
    const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })
    const invites = doc.paths['/instances/{instanceId}/orgs/{orgId}/invites']!
    const invite = doc.paths['/instances/{instanceId}/orgs/{orgId}/invites/{inviteId}']!
    assert.deepEqual(invites.post!.requestBody!.content['application/json']!.schema, ref('OrgInvitePost'))
    assert.deepEqual(invites.get!.responses['200']!.content!['application/json']!.schema, ref('OrgInviteCollection'))
    assert.deepEqual(invites.get!.responses['403']!.content!['application/json']!.schema, ref('Error'))
    assert.deepEqual(invite.post!.requestBody!.content['application/json']!.schema, ref('OrgRoleInfo'))
    assert.deepEqual(invite.get!.responses['200']!.content!['application/json']!.schema, ref('OrgInvite'))
    assert.deepEqual((doc.components.schemas.OrgInviteCollection as any).properties.items.items, ref('OrgInvite'))

    // Real answers match the named schemas as the document gives them.
    const ajv = new Ajv({ strict: false })
    addFormats.default(ajv)
    ajv.addSchema(doc, 'doc')
    const check = (name: string, body: unknown) => {
      const validate = ajv.getSchema(`doc#/components/schemas/${name}`)!
      assert.equal(validate(body), true, `${name}: ${ajv.errorsText(validate.errors)}`)
    }
    const created = expectStatus(await postInvite(world, { email: 'ann@example.com', role: 'view', disallowTransfer: true }), 201).json()
    check('OrgInviteCollection', created)
    check('OrgInvite', expectStatus(await world.app.inject({ method: 'GET', url: `${world.invitesPath}/${created.items[0].id}`, headers: world.auth }), 200).json())
    check('Error', (await world.app.inject({ method: 'GET', url: world.invitesPath })).json())
  })

  test('servers: where it listens once it does; relative before', async (t) => {
    const app = await buildTestApp(t)
    assert.deepEqual((await documentOf(app)).servers.map((s) => s.url), ['/'])
    await app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = app.server.address() as AddressInfo
    const served = await (await fetch(`http://127.0.0.1:${port}/_emulator/openapi.json`)).json() as Document
    assert.deepEqual(served.servers.map((s) => s.url), [`http://127.0.0.1:${port}`])
  })

  test('the docs page works behind a path prefix: relative redirects and assets, and "Try it out" through the page\'s own address', async (t) => {
    const app = await buildTestApp(t)
    for (const [url, location] of [['/_emulator/docs', 'docs/'], ['/_emulator/docs?x=1', 'docs/'], ['/_emulator/docs/static/index.html', '../']]) {
      const answer = await app.inject({ method: 'GET', url })
      assert.deepEqual([answer.statusCode, answer.headers.location], [302, location], url)
      // As a browser under a prefix resolves it.
      assert.equal(new URL(location!, `http://proxy.test/emulator${url}`).pathname, '/emulator/_emulator/docs/')
    }
    const page = expectStatus(await app.inject({ method: 'GET', url: '/_emulator/docs/' }), 200)
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!)
    assert.ok(assets.length >= 4, page.body)
    for (const asset of assets) {
      assert.match(asset, /^\.\//, 'relative')
      expectStatus(await app.inject({ method: 'GET', url: new URL(asset, 'http://h/_emulator/docs/').pathname }), 200)
    }
    const served = expectStatus(await app.inject({ method: 'GET', url: '/_emulator/docs/json' }), 200).json() as Document
    assert.equal(served.servers[0]!.url, '../..')
    assert.equal(new URL(served.servers[0]!.url, 'http://proxy.test/emulator/_emulator/docs/json').href, 'http://proxy.test/emulator/')
  })

  test('routes hidden from it stay out: the docs page\'s own', async (t) => {
    const app = await buildTestApp(t)
    expectStatus(await app.inject({ method: 'GET', url: '/_emulator/docs/' }), 200)
    assert.deepEqual(Object.keys((await documentOf(app)).paths).filter((path) => path.startsWith('/_emulator/docs')), [])
  })

  test('making the document changes no answer: the same bytes with it made first or not at all', async (t) => {
    const seed = {
      instances: [{
        id: 'aaaaaaaaaaaaaaaaaaaaaaaa',
        orgs: [{ id: 'bbbbbbbbbbbbbbbbbbbbbbbb', invites: [{ id: INVITE, email: 'ann@example.com', role: 'view' as const, inviteDate: '2020-01-01T00:00:00.000Z', ttl: 1000, token: 't' }] }]
      }],
      tokens: [{ token: 'static', scope: ['all.Instance'] }]
    }
    const answers = async (makeDocumentFirst: boolean): Promise<string[]> => {
      const app = await buildTestApp(t, { seed })
      if (makeDocumentFirst) await documentOf(app)
      const path = '/instances/aaaaaaaaaaaaaaaaaaaaaaaa/orgs/bbbbbbbbbbbbbbbbbbbbbbbb/invites'
      const auth = { authorization: 'Bearer static' }
      const requests = [
        { method: 'GET', url: `${path}?_links=true`, headers: auth },
        { method: 'GET', url: `${path}/${INVITE}`, headers: auth },
        { method: 'GET', url: path },
        { method: 'GET', url: '/invites?email=ann@example.com&token=t' },
        { method: 'GET', url: '/_emulator/snapshot' },
        { method: 'DELETE', url: `${path}/${INVITE}`, headers: auth }
      ] as const
      const bodies: string[] = []
      for (const request of requests) {
        const response = await app.inject(request)
        bodies.push(`${response.statusCode} ${String(response.headers['content-type'])} ${response.body}`)
      }
      return bodies
    }
    assert.deepEqual(await answers(true), await answers(false))
  })
})

/** Redocly's command, by its full path: the lints run in folders of their own. */
const REDOCLY = fileURLToPath(import.meta.resolve('@redocly/cli/bin/cli.js'))

describe('the OpenAPI document, linted by Redocly CLI (recommended rules)', () => {
  async function lint (t: TestContext, app: FastifyInstance): Promise<{ totals: { errors: number, warnings: number }, problems: Array<{ ruleId: string, severity: string, message: string, location: Array<{ pointer: string }> }> }> {
    await app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = app.server.address() as AddressInfo
    const dir = mkdtempSync(join(tmpdir(), 'openapi-lint-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    writeFileSync(join(dir, 'openapi.json'), await (await fetch(`http://127.0.0.1:${port}/_emulator/openapi.json`)).text())
    // In a folder of its own (no redocly.yaml found), without telemetry or update checks: no network.
    const run = spawnSync(process.execPath, [REDOCLY, 'lint', 'openapi.json', '--extends', 'recommended', '--format', 'json'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' }
    })
    assert.ok(run.stdout.trim().startsWith('{'), run.stdout + run.stderr)
    return JSON.parse(run.stdout)
  }

  for (const adminToken of [undefined, 'adm']) {
    test(`no errors${adminToken === undefined ? '' : ', with an admin token'}`, async (t) => {
      const report = await lint(t, await buildTestApp(t, adminToken === undefined ? {} : { adminToken }))
      const errors = report.problems.filter((problem) => problem.severity === 'error')
      assert.deepEqual(errors.map((e) => `${e.ruleId}: ${e.message}`), [])
      // The known warnings only: health and the document itself have no 4xx answer to give.
      const warnings = report.problems.filter((problem) => problem.severity !== 'error').map((problem) => `${problem.ruleId} ${problem.location[0]?.pointer}`)
      assert.deepEqual(warnings.sort(), [
        'operation-4xx-response #/paths/~1_emulator~1health/get/responses',
        'operation-4xx-response #/paths/~1_emulator~1openapi.json/get/responses'
      ])
      t.diagnostic(`warnings: ${report.problems.map((problem) => problem.ruleId).join(', ') || 'none'}`)
    })
  }
})

test('the linter is the real one: it finds the errors of a broken document', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'openapi-lint-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'openapi.json'), JSON.stringify({ openapi: '3.0.3', info: { title: 'x', version: '1' }, paths: { '/a': { get: { responses: {} } } } }))
  const run = spawnSync(process.execPath, [REDOCLY, 'lint', 'openapi.json', '--extends', 'recommended', '--format', 'json'], {
    cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' }
  })
  const report = JSON.parse(run.stdout) as { totals: { errors: number } }
  assert.ok(report.totals.errors > 0, run.stdout)
})
