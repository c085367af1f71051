import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import Database from 'better-sqlite3'
import { buildWorld } from '../helper.js'
import { call, startServer, type RunningServer } from '../processes.js'

/**
 * Storage that fails under a running emulator: a full disk is a 507 that says so, once
 * the data fills it (never the -wal file); health shows it, reads and deletes go on, and
 * writes work again once space is freed, with nothing acknowledged lost. Other failures
 * name their cause.
 */

const I = '575ec8687ae143cd83dc4a97'
const O = '575ec8687ae143cd83dc4a98'
const TOKEN = 'disk-test-token'
const AUTH = { authorization: `Bearer ${TOKEN}` }
const INVITES = `/instances/${I}/orgs/${O}/invites`
/** Long emails, so that the disk fills in a few hundred writes. */
const email = (n: number): string => `${'d'.repeat(900)}${n}@disk.test`
/** The size of the disk the test mounts. */
const DISK_BYTES = 2 * 1024 * 1024

describe('a full disk', () => {
  test('the data, not the -wal file, fills a 2 MiB disk: then 507 naming the database, health degraded, reads and deletes go on; writes resume once space is freed, nothing acknowledged lost', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'emulator-disk-'))
    const disk = join(dir, 'disk')
    mkdirSync(disk)
    const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${DISK_BYTES}`, 'tmpfs', disk], { encoding: 'utf8' })
    const mustRun = process.env.CI !== undefined || process.getuid?.() === 0
    if (mount.status !== 0) {
      rmSync(dir, { recursive: true, force: true })
      if (mustRun) assert.fail(`mount -t tmpfs failed (${mount.status}): ${mount.stderr}`)
      t.skip(`cannot mount a small tmpfs here (not root, not CI): ${mount.stderr.trim() || mount.error?.message}`)
      return
    }
    let server: RunningServer | undefined
    t.after(async () => {
      if (server !== undefined && server.child.exitCode === null) {
        server.child.kill('SIGKILL')
        await server.exited
      }
      spawnSync('umount', [disk])
      rmSync(dir, { recursive: true, force: true })
    })

    const db = join(disk, 'emulator.db')
    const seed = join(dir, 'seed.json')
    writeFileSync(seed, JSON.stringify({ instances: [{ id: I, orgs: [{ id: O }] }], tokens: [{ token: TOKEN, scope: ['all.Instance'] }] }))
    // Something else on the disk, removed later: the space an operator frees.
    const other = join(disk, 'other-file')
    writeFileSync(other, Buffer.alloc(512 * 1024, 1))
    server = await startServer(t, ['--db', db, '--seed', seed])
    const running = server
    const acknowledged = new Map<string, string>()
    const post = async (n: number): Promise<{ status: number, body: any }> => {
      const answer = await call(`${running.url}${INVITES}`, 'POST', { email: email(n), role: 'view' }, AUTH)
      if (answer.status === 201) acknowledged.set(email(n), answer.body.items.find((item: { email: string }) => item.email === email(n)).id)
      return answer
    }

    let n = 0
    let refused: { status: number, body: any } | undefined
    while (refused === undefined && n < 5000) {
      const answer = await post(n++)
      if (answer.status !== 201) refused = answer
    }
    const beforeFull = acknowledged.size
    assert.deepEqual(refused, {
      status: 507,
      body: { type: 'InsufficientStorage', message: `The disk holding the database ${db} is full: the change was not saved. Writes work again once space is freed, without a restart` }
    })
    // What holds the disk is the data: the -wal file gives its space back after every write
    // (it held the whole disk after a few dozen invites, and every write was refused for good).
    const wal = statSync(`${db}-wal`, { throwIfNoEntry: false })?.size ?? 0
    assert.ok(wal < DISK_BYTES / 10, `the -wal file holds ${wal} bytes of the ${DISK_BYTES}-byte disk`)
    const health = await call(`${running.url}/_emulator/health`, 'GET')
    assert.equal(health.status, 200)
    assert.equal(health.body.status, 'degraded')
    assert.equal(health.body.reason, `The disk holding the database ${db} is full: writes fail until space is freed`)
    // Reads go on: the Losant listing, one invite, the control plane's reads.
    const listing = await call(`${running.url}${INVITES}`, 'GET', undefined, AUTH)
    assert.equal(listing.status, 200)
    assert.deepEqual(listing.body.items.map((item: { email: string }) => item.email).sort(), [...acknowledged.keys()].sort())
    assert.equal((await call(`${running.url}${INVITES}/${listing.body.items[0].id}`, 'GET', undefined, AUTH)).status, 200)
    assert.equal((await call(`${running.url}/_emulator/instances`, 'GET')).status, 200)
    assert.equal((await call(`${running.url}/_emulator/snapshot`, 'GET')).status, 200)
    // Deletes go on too: they free room inside the database.
    for (const [address, id] of [...acknowledged].slice(0, 10)) {
      assert.equal((await call(`${running.url}${INVITES}/${id}`, 'DELETE', undefined, AUTH)).status, 200, `DELETE ${address}`)
      acknowledged.delete(address)
    }

    rmSync(other)
    const afterFreed = 20
    for (let k = 0; k < afterFreed; k++) assert.equal((await post(n++)).status, 201, `write ${k + 1} after space was freed`)
    assert.deepEqual((await call(`${running.url}/_emulator/health`, 'GET')).body, { status: 'ok', version: health.body.version })
    t.diagnostic(`writes acknowledged before the disk filled: ${beforeFull} (the -wal file then ${wal} bytes); 10 deleted on the full disk; ${afterFreed} acknowledged after 512 KiB were freed`)

    server.child.kill('SIGTERM')
    assert.equal(await server.exited, 0)
    const file = new Database(db)
    try {
      // As the emulator opens it: no -shm file, for which the small disk may have no room.
      file.pragma('locking_mode = EXCLUSIVE')
      assert.equal(file.pragma('integrity_check', { simple: true }), 'ok')
    } finally {
      file.close()
    }
    server = await startServer(t, ['--db', db])
    const after = await call(`${server.url}${INVITES}`, 'GET', undefined, AUTH)
    assert.deepEqual(after.body.items.map((item: { email: string }) => item.email).sort(), [...acknowledged.keys()].sort())
  })
})

describe('other storage failures name their cause', () => {
  const causes: Array<[string, string, number, string, RegExp]> = [
    ['SQLITE_READONLY', 'attempt to write a readonly database', 500, 'InternalError', /^The database .*\/emulator\.db is read-only \(its file or file system refuses writes\): the change was not saved$/],
    ['SQLITE_READONLY_DBMOVED', 'attempt to write a readonly database', 500, 'InternalError', /is read-only/],
    ['SQLITE_IOERR_WRITE', 'disk I/O error', 500, 'InternalError', /^The disk holding the database .*\/emulator\.db reported an I\/O error: the request was not completed$/],
    ['SQLITE_CORRUPT', 'database disk image is malformed', 500, 'InternalError', /^The database .*\/emulator\.db is damaged \(SQLite reports it corrupt\)/],
    ['SQLITE_FULL', 'database or disk is full', 507, 'InsufficientStorage', /^The disk holding the database .*\/emulator\.db is full/]
  ]
  for (const [code, text, status, type, message] of causes) {
    test(`${code}: ${status} ${type}, the message names the database and the cause`, async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'emulator-failures-'))
      t.after(() => rmSync(dir, { recursive: true, force: true }))
      const world = await buildWorld(t, { db: join(dir, 'emulator.db') })
      // The error better-sqlite3 raises for that SQLite result code.
      t.mock.method(world.app.emulator.store, 'upsertInvite', () => { throw new Database.SqliteError(text, code) })
      const response = await world.app.inject({ method: 'POST', url: world.invitesPath, headers: world.auth, payload: { email: 'x@y.io', role: 'view' } })
      assert.equal(response.statusCode, status)
      assert.deepEqual(Object.keys(response.json()), ['type', 'message'])
      assert.equal(response.json().type, type)
      assert.match(response.json().message, message)
      const health = (await world.app.inject({ method: 'GET', url: '/_emulator/health' })).json()
      assert.equal(health.status, code === 'SQLITE_FULL' ? 'degraded' : 'ok')
    })
  }

  test('any other error is still a plain 500 that says nothing internal', async (t) => {
    const world = await buildWorld(t)
    t.mock.method(world.app.emulator.store, 'upsertInvite', () => { throw new Database.SqliteError('no such table: invites', 'SQLITE_ERROR') })
    const response = await world.app.inject({ method: 'POST', url: world.invitesPath, headers: world.auth, payload: { email: 'x@y.io', role: 'view' } })
    assert.deepEqual([response.statusCode, response.json()], [500, { type: 'InternalError', message: 'An unexpected error occurred' }])
  })
})
