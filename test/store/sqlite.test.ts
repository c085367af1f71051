import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test, type TestContext } from 'node:test'
import Database from 'better-sqlite3'
import { compileGlob } from '../../src/glob.js'
import { SCHEMA_VERSION } from '../../src/store/migrations.js'
import { DatabaseOpenError } from '../../src/store/open.js'
import { SqliteInviteStore } from '../../src/store/sqlite.js'
import { StoreConflictError, type StoreChange } from '../../src/store/types.js'
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

  test('a database of schema version 4 keeps its invites, their orders and its outbox when migrated', (t) => {
    const path = tempDb(t)
    const store = new SqliteInviteStore(path)
    store.createInstance({ id: I, name: 'i' })
    store.createOrg({ instanceId: I, id: O, name: 'o' })
    const emails = ['b@x.test', 'a@y.test', 'c@x.test']
    emails.forEach((email, i) => {
      const invite = store.upsertInvite(I, O, { id: `${i}`.padStart(24, 'c'), email, role: (['view', 'admin', 'edit'] as const)[i]!, inviteDate: 1000 + i, ttl: 60_000, token: `t${i}` })
      store.addOutboxMessage({ id: `${i}`.padStart(24, 'd'), to: email, instanceId: I, orgId: O, inviteId: invite.id, token: invite.token, sentAt: 1000 + i, role: invite.role })
    })
    const listings = (s: SqliteInviteStore) => (['email', 'role', 'inviteDate'] as const).flatMap((sortField) => (['asc', 'desc'] as const).map((sortDirection) =>
      s.listInvites({ instanceId: I, orgId: O, sortField, sortDirection }).map((invite) => invite.email)))
    const before = { listings: listings(store), outbox: store.listOutbox(), to: store.listOutbox('b@x.test'), page: store.pageInvites({ instanceId: I, orgId: O, sortField: 'role', sortDirection: 'asc', filter: { field: 'role', glob: compileGlob('*i*') } }, 0, 1) }
    store.close()
    // As version 4 left it: an index per sort order.
    const db = new Database(path)
    db.exec(`
      CREATE INDEX invites_by_role ON invites (instance_id, org_id, role, id);
      CREATE INDEX invites_by_date ON invites (instance_id, org_id, invite_date, id);`)
    db.pragma('user_version = 4')
    db.close()

    const migrated = new SqliteInviteStore(path)
    t.after(() => migrated.close())
    assert.deepEqual(listings(migrated), before.listings)
    assert.deepEqual(migrated.listOutbox(), before.outbox)
    assert.deepEqual(migrated.listOutbox('b@x.test'), before.to)
    assert.deepEqual(migrated.pageInvites({ instanceId: I, orgId: O, sortField: 'role', sortDirection: 'asc', filter: { field: 'role', glob: compileGlob('*i*') } }, 0, 1), before.page)
    assert.equal(before.outbox.length, 3)
  })

  test('a file another store holds is refused; it opens once that one is closed', (t) => {
    const path = tempDb(t)
    const first = new SqliteInviteStore(path)
    assert.throws(() => new SqliteInviteStore(path), (error: Error) =>
      error instanceof DatabaseOpenError && error.message.startsWith(`database ${path}: in use by this process (pid ${process.pid}), through another connection;`))
    first.close()
    new SqliteInviteStore(path).close()
  })

  test('a write refused for lack of space is remembered until a write changes rows', (t) => {
    const path = tempDb(t)
    const store = new SqliteInviteStore(path)
    t.after(() => store.close())
    const full = new Database.SqliteError('database or disk is full', 'SQLITE_FULL')
    assert.deepEqual(store.recordFailure(full), { kind: 'full', database: path })
    assert.deepEqual(store.storageProblem(), { kind: 'full', database: path })
    assert.deepEqual(store.listInstances(), [])
    assert.equal(store.deleteInstance(I), false, 'a write that changes nothing shows nothing')
    assert.deepEqual(store.storageProblem(), { kind: 'full', database: path })
    store.createInstance({ id: I, name: 'i' })
    assert.equal(store.storageProblem(), undefined)
    assert.deepEqual(store.recordFailure(new Database.SqliteError('disk I/O error', 'SQLITE_IOERR_FSYNC')), { kind: 'io', database: path })
    assert.equal(store.storageProblem(), undefined)
    assert.equal(store.recordFailure(new Database.SqliteError('UNIQUE constraint failed', 'SQLITE_CONSTRAINT_UNIQUE')), undefined)
    assert.equal(store.recordFailure(new Error('not from the store')), undefined)
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

  test('every committed write is announced once, with the org whose invites it changed; the data version moves with every write', (t) => {
    const store = new SqliteInviteStore(':memory:')
    t.after(() => store.close())
    const O2 = 'cccccccccccccccccccccccc'
    const heard: StoreChange[] = []
    store.onChange((change) => heard.push(change))
    let version = store.dataVersion()
    /** What was announced since the last call, as `org`, `org+` (with the invite written), `none` or `any`; fails unless the data version moved. */
    const announced = (): string[] => {
      const said = heard.splice(0).map(({ invites }) => typeof invites === 'string' ? invites : `${invites.orgId === O ? 'O' : 'O2'}${invites.written === undefined ? '' : '+'}`)
      const now = store.dataVersion()
      assert.equal(now !== version, said.length > 0, 'the data version moves exactly when something is announced')
      version = now
      return said
    }
    store.createInstance({ id: I, name: 'i' })
    store.createOrg({ instanceId: I, id: O, name: 'o' })
    store.createOrg({ instanceId: I, id: O2, name: 'o2' })
    assert.deepEqual(announced(), ['none', 'none', 'none'])
    const invite = (n: number, email: string) => ({ id: n.toString(16).padStart(24, '0'), email, role: 'view' as const, inviteDate: n, ttl: 1000, token: `t${n}` })
    const written = store.upsertInvite(I, O, invite(1, 'a@x.io'))
    assert.deepEqual(heard[0], { invites: { instanceId: I, orgId: O, written } })
    assert.deepEqual(announced(), ['O+'])
    store.addOutboxMessage({ id: 'ffffffffffffffffffffffff', to: 'a@x.io', instanceId: I, orgId: O, inviteId: written.id, token: 't', sentAt: 0 })
    assert.deepEqual(announced(), ['none'])
    const later = store.transaction(() => {
      const again = store.upsertInvite(I, O, invite(3, 'a@x.io'))
      assert.deepEqual(heard, [], 'not before the commit')
      store.upsertInvite(I, O2, invite(4, 'b@x.io'))
      return again
    })
    assert.equal(later.id, written.id, 'a re-invite keeps the id')
    assert.deepEqual(announced(), ['O+', 'O2+'])
    assert.throws(() => store.transaction(() => {
      store.upsertInvite(I, O2, invite(5, 'c@x.io'))
      throw new Error('rolled back')
    }))
    assert.deepEqual(heard, [], 'a rolled-back write is not announced')
    assert.notEqual(store.dataVersion(), version, 'but the data version moved: listeners forget what they derived')
    version = store.dataVersion()
    store.transaction(() => {
      store.upsertInvite(I, O2, invite(6, 'd@x.io'))
      assert.throws(() => store.transaction(() => {
        store.upsertInvite(I, O2, invite(7, 'e@x.io'))
        throw new Error('rolled back to the savepoint')
      }))
    })
    assert.deepEqual(announced().slice(-1), ['any'], 'after a savepoint rolled back: any org may differ from what was announced')
    const resent = store.resendInvite(I, O, written.id, { inviteDate: 8, ttl: 1000, token: 't8' })
    assert.deepEqual(heard[0], { invites: { instanceId: I, orgId: O, written: resent } })
    assert.deepEqual(announced(), ['O+'])
    assert.equal(store.deleteInvite(I, O2, 'f'.repeat(24)), false)
    assert.deepEqual(announced(), [], 'deleting nothing changes nothing')
    store.deleteInvite(I, O, written.id)
    assert.deepEqual(announced(), ['O'])
    const other = store.upsertInvite(I, O2, invite(9, 'g@x.io'))
    announced()
    assert.equal(store.consumeInvite(other.id, { instanceId: I, orgId: O2, email: 'g@x.io', role: 'view' }), true)
    assert.deepEqual(announced(), ['O2'], 'accepting')
    assert.equal(store.consumeInvite(other.id), false)
    assert.deepEqual(announced(), [])
    store.clearOutbox()
    assert.deepEqual(announced(), ['none'])
    store.replaceAll(store.dump())
    assert.deepEqual(announced().slice(-1), ['any'], 'replacing everything')
    assert.equal(store.deleteOrg(I, O2), true)
    assert.deepEqual(announced(), ['O2'], 'deleting an org')
    assert.equal(store.deleteInstance(I), true)
    assert.deepEqual(announced(), ['any'], 'deleting an instance, with its orgs')
  })
})

describe('SqliteInviteStore: members, counts, the outbox as listed', () => {
  test('members by org and email; counts by org; the outbox newest first with its role and its org\'s name, to a limit', (t) => {
    const store = new SqliteInviteStore(':memory:')
    t.after(() => store.close())
    const O2 = 'cccccccccccccccccccccccc'
    store.createInstance({ id: I, name: 'i' })
    store.createOrg({ instanceId: I, id: O, name: 'Acme' })
    store.createOrg({ instanceId: I, id: O2, name: 'Other' })
    const invite = (n: number, email: string) => ({ id: n.toString(16).padStart(24, '0'), email, role: 'edit' as const, inviteDate: n, ttl: 1000, token: `t${n}` })
    const [a, b, c] = [store.upsertInvite(I, O, invite(1, 'b@x.io')), store.upsertInvite(I, O, invite(2, 'a@x.io')), store.upsertInvite(I, O2, invite(3, 'c@x.io'))]
    store.consumeInvite(a!.id, { instanceId: I, orgId: O, email: 'b@x.io', role: 'edit' })
    store.consumeInvite(b!.id, { instanceId: I, orgId: O, email: 'a@x.io', role: 'view' })
    assert.deepEqual(store.listMembers(I, O).map((m) => [m.email, m.role]), [['a@x.io', 'view'], ['b@x.io', 'edit']])
    assert.deepEqual(store.listMembers(I, O2), [])
    assert.deepEqual(store.getMember(I, O, 'b@x.io'), { instanceId: I, orgId: O, email: 'b@x.io', role: 'edit' })
    assert.equal(store.getMember(I, O2, 'b@x.io'), undefined)
    assert.deepEqual(store.countsByOrg(), [{ instanceId: I, orgId: O, invites: 0, members: 2 }, { instanceId: I, orgId: O2, invites: 1, members: 0 }])

    const message = (n: number, orgId: string, role?: 'admin') => ({ id: n.toString(16).padStart(24, 'f'), to: 'c@x.io', instanceId: I, orgId, inviteId: c!.id, token: `m${n}`, sentAt: n, ...(role === undefined ? {} : { role }) })
    store.addOutboxMessage(message(1, O2, 'admin'))
    store.addOutboxMessage(message(2, 'dddddddddddddddddddddddd'))
    store.addOutboxMessage(message(3, O2, 'admin'))
    assert.deepEqual(store.listOutbox().map((m) => [m.token, m.role, m.orgName]), [['m3', 'admin', 'Other'], ['m2', undefined, undefined], ['m1', 'admin', 'Other']])
    assert.equal('orgName' in store.listOutbox()[1]!, false, 'no org: no name, not null')
    assert.deepEqual(store.listOutbox(undefined, 2).map((m) => m.token), ['m3', 'm2'])
    assert.deepEqual(store.listOutbox('c@x.io', 1).map((m) => m.token), ['m3'])
    assert.deepEqual(store.listOutbox('nobody@x.io'), [])
  })
})

describe('SqliteInviteStore: a page of a listing', () => {
  test('pageInvites holds the listing\'s records at the offset, in its order and filter, and counts every match', (t) => {
    const store = new SqliteInviteStore(':memory:')
    t.after(() => store.close())
    store.createInstance({ id: I, name: 'i' })
    store.createOrg({ instanceId: I, id: O, name: 'o' })
    const roles = ['admin', 'edit', 'view'] as const
    store.transaction(() => {
      for (let n = 1; n <= 40; n++) {
        store.upsertInvite(I, O, { id: n.toString(16).padStart(24, '0'), email: `${n % 2 === 0 ? 'even' : 'odd'}${n}@x${n % 3}.io`, role: roles[n % 3]!, inviteDate: n % 7, ttl: 1000, token: `t${n}` })
      }
    })
    const filters = [undefined, { field: 'email' as const, glob: compileGlob('even*') }, { field: 'email' as const, glob: compileGlob('*@x1.io') }, { field: 'email' as const, glob: compileGlob('odd1@x1.io') }, { field: 'role' as const, glob: compileGlob('{admin,view}') }, { field: 'email' as const, glob: compileGlob('*1*') }]
    for (const filter of filters) {
      for (const sortField of ['inviteDate', 'email', 'role'] as const) {
        for (const sortDirection of ['asc', 'desc'] as const) {
          const query = { instanceId: I, orgId: O, sortField, sortDirection, ...(filter === undefined ? {} : { filter }) }
          const all = store.listInvites(query).map((r) => r.id)
          for (const [offset, limit] of [[0, 7], [7, 7], [35, 10], [100, 5]] as const) {
            const page = store.pageInvites(query, offset, limit)
            assert.equal(page.total, all.length)
            assert.deepEqual(page.records.map((r) => r.id), all.slice(offset, offset + limit), `${JSON.stringify({ ...query, filter: filter?.glob === undefined ? undefined : filter.field })} ${offset}+${limit}`)
          }
        }
      }
    }
    assert.deepEqual(store.pageInvites({ instanceId: I, orgId: 'c'.repeat(24), sortField: 'email', sortDirection: 'asc' }, 0, 10), { total: 0, records: [] })
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
