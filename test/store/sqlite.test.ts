import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test, type TestContext } from 'node:test'
import Database from 'better-sqlite3'
import { compileGlob } from '../../src/glob.js'
import { SCHEMA_VERSION } from '../../src/store/migrations.js'
import { SqliteInviteStore } from '../../src/store/sqlite.js'
import { StoreConflictError } from '../../src/store/types.js'
import { buildTestApp, createInstance, createOrg, expectStatus, mintToken } from '../helper.js'

function tempDb (t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'emulator-store-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return join(dir, 'nested', 'emulator.db')
}

const I = 'aaaaaaaaaaaaaaaaaaaaaaaa'
const O = 'bbbbbbbbbbbbbbbbbbbbbbbb'

describe('SqliteInviteStore', () => {
  test('a file database is created with its folder, in WAL mode, at the current schema version', (t) => {
    const path = tempDb(t)
    new SqliteInviteStore(path).close()
    const db = new Database(path, { readonly: true })
    t.after(() => db.close())
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal')
    assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION)
  })

  test('refuses a database from a newer emulator', (t) => {
    const path = tempDb(t)
    new SqliteInviteStore(path).close()
    const db = new Database(path)
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`)
    db.close()
    assert.throws(() => new SqliteInviteStore(path), /newer than this emulator's/)
  })

  test('the signing key is made once and kept', (t) => {
    const path = tempDb(t)
    const first = new SqliteInviteStore(path)
    const key = first.signingKey()
    assert.equal(key.length, 32)
    assert.deepEqual(first.signingKey(), key)
    first.close()
    const second = new SqliteInviteStore(path)
    t.after(() => second.close())
    assert.deepEqual(second.signingKey(), key)
  })

  test('taken ids are conflicts', (t) => {
    const store = new SqliteInviteStore(':memory:')
    t.after(() => store.close())
    store.createInstance({ id: I, name: 'i' })
    assert.throws(() => store.createInstance({ id: I, name: 'again' }), StoreConflictError)
    store.createOrg({ instanceId: I, id: O, name: 'o' })
    assert.throws(() => store.createOrg({ instanceId: I, id: O, name: 'again' }), StoreConflictError)
  })

  test('index-narrowed filters (exact, prefix, suffix) find the same invites as a scan', (t) => {
    const store = new SqliteInviteStore(':memory:')
    t.after(() => store.close())
    store.createInstance({ id: I, name: 'i' })
    store.createOrg({ instanceId: I, id: O, name: 'o' })
    const emails = ['user42@a.io', 'user420@rare.example', 'user5@rare.example', 'x42y@b.io', 'user4@a.io', 'üser42@a.io']
    emails.forEach((email, n) => store.upsertInvite(I, O, { id: n.toString(16).padStart(24, '0'), email, role: 'view', inviteDate: n, ttl: 1, token: `t${n}` }))
    const found = (pattern: string) => store.listInvites({ instanceId: I, orgId: O, sortField: 'email', sortDirection: 'asc', filter: { field: 'email', glob: compileGlob(pattern) } }).map((r) => r.email)
    // Binary order: '0' sorts before '@'.
    assert.deepEqual(found('user42*'), ['user420@rare.example', 'user42@a.io'])
    assert.deepEqual(found('*@rare.example'), ['user420@rare.example', 'user5@rare.example'])
    assert.deepEqual(found('*42*'), ['user420@rare.example', 'user42@a.io', 'x42y@b.io', 'üser42@a.io'])
    assert.deepEqual(found('user4@a.io'), ['user4@a.io'])
    assert.deepEqual(found('ü*'), ['üser42@a.io'])
  })
})

describe('persistence through the app', () => {
  test('invites and minted tokens survive closing and reopening a file database', async (t) => {
    const db = tempDb(t)
    const first = await buildTestApp(t, { db })
    const instanceId = (await createInstance(first)).id
    const orgId = (await createOrg(first, instanceId)).id
    const token = await mintToken(first, ['all.Instance'])
    const path = `/instances/${instanceId}/orgs/${orgId}/invites`
    expectStatus(await first.inject({ method: 'POST', url: path, headers: { authorization: `Bearer ${token}` }, payload: { email: 'kept@x.io', role: 'view' } }), 201)
    await first.close()

    const second = await buildTestApp(t, { db })
    const listed = expectStatus(await second.inject({ method: 'GET', url: path, headers: { authorization: `Bearer ${token}` } }), 200).json()
    assert.deepEqual(listed.items.map((i: any) => i.email), ['kept@x.io'])
  })
})
