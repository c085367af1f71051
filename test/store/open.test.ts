import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test, type TestContext } from 'node:test'
import Database from 'better-sqlite3'
import { call, NOBODY, runToExit, startServer, tempDir, type RunningServer } from '../processes.js'

/**
 * Opening the database, as users start the real server: one emulator per file, other
 * applications' files left alone, unusable paths refused at once. Each refusal is exit 2
 * with one line on stderr naming the file and the reason, and no stack trace.
 */

const I = '575ec8687ae143cd83dc4a97'
const O = '575ec8687ae143cd83dc4a98'
const SEED_TOKEN = 'open-test-token'
const INVITES = `/instances/${I}/orgs/${O}/invites`
const AUTH = { authorization: `Bearer ${SEED_TOKEN}` }

function writeSeed (dir: string): string {
  const path = join(dir, 'seed.json')
  writeFileSync(path, JSON.stringify({
    instances: [{ id: I, orgs: [{ id: O, invites: [{ email: 'seeded@open.test', role: 'view' }] }] }],
    tokens: [{ token: SEED_TOKEN, scope: ['all.Instance'] }]
  }))
  chmodSync(path, 0o644)
  return path
}

function sha (path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex')
}

/** One line on stderr, no stack trace, exit code 2. */
function assertRefused (result: ReturnType<typeof runToExit>, message: RegExp): void {
  assert.equal(result.status, 2, `exit code; stderr: ${result.stderr}`)
  const lines = result.stderr.trim().split('\n')
  assert.equal(lines.length, 1, result.stderr)
  assert.match(lines[0]!, message)
  assert.doesNotMatch(result.stderr, /\n\s+at /)
}

async function emails (server: RunningServer): Promise<string[]> {
  const listed = await call(`${server.url}${INVITES}`, 'GET', undefined, AUTH)
  assert.equal(listed.status, 200)
  return listed.body.items.map((item: { email: string }) => item.email).sort()
}

async function stop (server: RunningServer): Promise<number | null> {
  server.child.kill('SIGTERM')
  return await server.exited
}

describe('one emulator per database file', () => {
  test('a second emulator on a file in use is refused at once, naming the other process; the first goes on', async (t) => {
    const dir = tempDir(t)
    const db = join(dir, 'emulator.db')
    const first = await startServer(t, ['--db', db, '--seed', writeSeed(dir)])

    const second = runToExit(['--db', db])
    assertRefused(second, new RegExp(`^losant-invites-emulator: database ${db}: in use by another process \\(pid ${first.child.pid}: .*server.*\\); one emulator per database file`))
    t.diagnostic(`refused second process: exit ${second.status} after ${second.ms.toFixed(0)} ms (node start-up included)`)

    assert.equal((await call(`${first.url}${INVITES}`, 'POST', { email: 'after@open.test', role: 'view' }, AUTH)).status, 201)
    assert.deepEqual(await emails(first), ['after@open.test', 'seeded@open.test'])
    // Any SQLite client is kept out too: it could only read a file the emulator changes under it.
    const reader = new Database(db, { timeout: 0 })
    t.after(() => reader.close())
    assert.throws(() => reader.prepare('SELECT count(*) FROM invites').get(), { code: 'SQLITE_BUSY' })
    assert.equal(await stop(first), 0)
  })

  test('the lock of a SIGKILLed emulator never blocks the next start; nothing acknowledged is lost', async (t) => {
    const dir = tempDir(t)
    const db = join(dir, 'emulator.db')
    const first = await startServer(t, ['--db', db, '--seed', writeSeed(dir)])
    assert.equal((await call(`${first.url}${INVITES}`, 'POST', { email: 'before-kill@open.test', role: 'edit' }, AUTH)).status, 201)
    first.child.kill('SIGKILL')
    assert.equal(await first.exited, null)

    const next = await startServer(t, ['--db', db])
    assert.deepEqual(await emails(next), ['before-kill@open.test', 'seeded@open.test'])
    assertRefused(runToExit(['--db', db]), /in use by another process/)
    assert.equal(await stop(next), 0)
  })

  test('two :memory: emulators run side by side', async (t) => {
    const dir = tempDir(t)
    const a = await startServer(t, ['--db', ':memory:', '--seed', writeSeed(dir)])
    const b = await startServer(t, ['--db', ':memory:', '--seed', writeSeed(dir)])
    assert.equal((await call(`${a.url}${INVITES}`, 'POST', { email: 'only-a@open.test', role: 'view' }, AUTH)).status, 201)
    assert.deepEqual(await emails(a), ['only-a@open.test', 'seeded@open.test'])
    assert.deepEqual(await emails(b), ['seeded@open.test'])
  })
})

describe("the emulator's files are marked; other files are refused untouched", () => {
  test("another application's SQLite file is refused and left byte for byte as it was", (t) => {
    const dir = tempDir(t)
    const cases: Array<[string, (db: Database.Database) => void, RegExp]> = [
      ['tables, no mark', (db) => db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes (text) VALUES (\'keep me\')'),
        /not the emulator's database: it holds another application's data \(user_version 0, tables notes\); left unchanged/],
      ['its own user_version', (db) => { db.exec('CREATE TABLE invites (x)'); db.pragma('user_version = 2') },
        /not the emulator's database: it holds another application's data \(user_version 2, tables invites\)/],
      ['another application_id, nothing else', (db) => db.pragma('application_id = 1179603784'),
        /not the emulator's database: its application_id is 0x464f5348, not the emulator's; left unchanged/]
    ]
    for (const [name, make, message] of cases) {
      const path = join(dir, `${name.replaceAll(' ', '-')}.db`)
      const db = new Database(path)
      make(db)
      db.close()
      const before = sha(path)
      assertRefused(runToExit(['--db', path]), new RegExp(`^losant-invites-emulator: database ${path}: ${message.source}`))
      assert.equal(sha(path), before, name)
    }
    assert.deepEqual(readdirSync(dir).sort(), cases.map(([name]) => `${name.replaceAll(' ', '-')}.db`).sort(), 'no -wal or -shm file made beside them')
  })

  test('a file that is not SQLite at all is refused untouched', (t) => {
    const path = join(tempDir(t), 'notes.json')
    writeFileSync(path, JSON.stringify({ notes: ['not a database'] }).repeat(100))
    const before = sha(path)
    assertRefused(runToExit(['--db', path]), new RegExp(`^losant-invites-emulator: database ${path}: not a SQLite database; left unchanged`))
    assert.equal(sha(path), before)
  })

  test('a zero-length file is a new database: the seed applies, and the file is marked', async (t) => {
    const dir = tempDir(t)
    const db = join(dir, 'empty.db')
    writeFileSync(db, '')
    const server = await startServer(t, ['--db', db, '--seed', writeSeed(dir)])
    assert.deepEqual(await emails(server), ['seeded@open.test'])
    assert.equal(await stop(server), 0)
    const file = new Database(db, { readonly: true })
    t.after(() => file.close())
    assert.notEqual(file.pragma('application_id', { simple: true }), 0)
  })

  test('a database made before the mark (no application_id) keeps working and is marked on start', async (t) => {
    const dir = tempDir(t)
    const db = join(dir, 'emulator.db')
    const first = await startServer(t, ['--db', db, '--seed', writeSeed(dir)])
    assert.equal((await call(`${first.url}${INVITES}`, 'POST', { email: 'old@open.test', role: 'view' }, AUTH)).status, 201)
    assert.equal(await stop(first), 0)
    // As the emulator's releases before the mark left their files: schema version 2 (the
    // outbox without its later role column), no application_id.
    const file = new Database(db)
    const mark = file.pragma('application_id', { simple: true })
    file.exec('ALTER TABLE outbox DROP COLUMN role')
    file.pragma('application_id = 0')
    file.pragma('user_version = 2')
    file.close()

    const again = await startServer(t, ['--db', db])
    assert.deepEqual(await emails(again), ['old@open.test', 'seeded@open.test'])
    assert.equal(await stop(again), 0)
    const reopened = new Database(db, { readonly: true })
    t.after(() => reopened.close())
    assert.equal(reopened.pragma('application_id', { simple: true }), mark)
    assert.ok((reopened.pragma('user_version', { simple: true }) as number) > 2)
  })
})

describe('unusable paths fail fast', () => {
  /** An emulator's database in its own folder, both owned by `nobody`. */
  async function nobodysDatabase (t: TestContext): Promise<{ folder: string, db: string }> {
    const folder = join(tempDir(t), 'data')
    mkdirSync(folder)
    const db = join(folder, 'emulator.db')
    const made = await startServer(t, ['--db', db])
    assert.equal(await stop(made), 0)
    chownSync(folder, NOBODY.uid, NOBODY.gid)
    chownSync(db, NOBODY.uid, NOBODY.gid)
    return { folder, db }
  }

  test('a read-only file (writable folder, not root) is refused at start', async (t) => {
    const { db } = await nobodysDatabase(t)

    // The same file, writable, starts for that user: the refusal below is about the mode.
    const writable = await startServer(t, ['--db', db], NOBODY)
    assert.equal(await stop(writable), 0)
    chmodSync(db, 0o444)
    const result = runToExit(['--db', db], NOBODY)
    assertRefused(result, new RegExp(`^losant-invites-emulator: database ${db}: the file is not writable \\(permission denied\\)$`))
    t.diagnostic(`read-only file: exit 2 after ${result.ms.toFixed(0)} ms`)
  })

  test('a read-only folder is refused, for a new file and for one already there', async (t) => {
    const { folder, db } = await nobodysDatabase(t)
    chmodSync(folder, 0o555)
    for (const path of [db, join(folder, 'new.db')]) {
      assertRefused(runToExit(['--db', path], NOBODY),
        new RegExp(`^losant-invites-emulator: database ${path}: its folder ${folder} is not writable \\(permission denied\\); the database keeps a -wal file beside it$`))
    }
    assertRefused(runToExit(['--db', join(folder, 'sub', 'new.db')], NOBODY),
      new RegExp(`^losant-invites-emulator: database ${folder}/sub/new.db: cannot create the folder ${folder}/sub: permission denied$`))
  })

  test('a folder given as the file, a file given as a folder, /proc and /sys are refused at once, the cause in words', (t) => {
    const dir = tempDir(t)
    const file = join(dir, 'plain.txt')
    writeFileSync(file, 'x')
    const cases: Array<[string, RegExp]> = [
      [dir, /it is a folder, not a file$/],
      [join(file, 'emulator.db'), /cannot reach it: a part of the path is a file, not a folder$/],
      // Node's recursive mkdirSync spins for ever here (no output, deaf to SIGTERM).
      ['/proc/nope/x.db', /cannot create the folder \/proc\/nope: the file system does not allow it$/],
      // Folders that exist (and root may write) whose file systems take no new files: SQLite says only SQLITE_CANTOPEN.
      ['/proc/emulator.db', /cannot create the file: the file system does not allow it$/],
      ['/sys/emulator.db', /cannot create the file: permission denied$/]
    ]
    for (const [path, reason] of cases) {
      const result = runToExit(['--db', path])
      assertRefused(result, new RegExp(`^losant-invites-emulator: database ${path}: ${reason.source}`))
      t.diagnostic(`${path}: exit 2 after ${result.ms.toFixed(0)} ms`)
    }
  })
})
