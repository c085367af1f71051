import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import Database from 'better-sqlite3'
import { buildWorld } from '../helper.js'
import { call, startServer, type RunningServer } from '../processes.js'

/**
 * Storage that fails under a running emulator: a full disk is a 507 that says so, health
 * shows it, reads go on, and writes work again once space is freed, with nothing
 * acknowledged lost. Other failures name their cause.
 */

const I = '575ec8687ae143cd83dc4a97'
const O = '575ec8687ae143cd83dc4a98'
const TOKEN = 'disk-test-token'
const AUTH = { authorization: `Bearer ${TOKEN}` }
const INVITES = `/instances/${I}/orgs/${O}/invites`
/** Long emails, so that the disk fills in a few hundred writes. */
const email = (n: number): string => `${'d'.repeat(900)}${n}@disk.test`

/** Fills the file system holding `path` with one file, all but `leaveBytes`; free() removes it. */
function fill (path: string, leaveBytes: number): { free: () => void } {
  const fd = openSync(path, 'w')
  const chunk = Buffer.alloc(64 * 1024, 1)
  let written = 0
  try {
    for (;;) written += writeSync(fd, chunk)
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOSPC') throw error
  }
  // Give a little back, so some writes succeed before the disk is full again.
  ftruncateSync(fd, Math.max(0, written - leaveBytes))
  closeSync(fd)
  return { free: () => rmSync(path) }
}

describe('a full disk', () => {
  test('507 InsufficientStorage naming the database, health degraded, reads go on; writes resume once space is freed, nothing acknowledged lost', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'emulator-disk-'))
    const disk = join(dir, 'disk')
    mkdirSync(disk)
    const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', disk], { encoding: 'utf8' })
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
    server = await startServer(t, ['--db', db, '--seed', seed])
    const running = server
    const acknowledged: string[] = []
    const post = async (n: number): Promise<{ status: number, body: any }> => {
      const answer = await call(`${running.url}${INVITES}`, 'POST', { email: email(n), role: 'view' }, AUTH)
      if (answer.status === 201) acknowledged.push(email(n))
      return answer
    }

    const filler = fill(join(disk, 'filler'), 1024 * 1024)
    let n = 0
    let refused: { status: number, body: any } | undefined
    while (refused === undefined && n < 5000) {
      const answer = await post(n++)
      if (answer.status !== 201) refused = answer
    }
    const beforeFull = acknowledged.length
    assert.ok(beforeFull > 0, 'some writes fit before the disk filled')
    assert.deepEqual(refused, {
      status: 507,
      body: { type: 'InsufficientStorage', message: `The disk holding the database ${db} is full: the change was not saved. Writes work again once space is freed, without a restart` }
    })
    const health = await call(`${running.url}/_emulator/health`, 'GET')
    assert.equal(health.status, 200)
    assert.equal(health.body.status, 'degraded')
    assert.equal(health.body.reason, `The disk holding the database ${db} is full: writes fail until space is freed`)
    // Reads go on: the Losant listing, one invite, the control plane's reads.
    const listing = await call(`${running.url}${INVITES}`, 'GET', undefined, AUTH)
    assert.equal(listing.status, 200)
    assert.deepEqual(listing.body.items.map((item: { email: string }) => item.email).sort(), [...acknowledged].sort())
    assert.equal((await call(`${running.url}${INVITES}/${listing.body.items[0].id}`, 'GET', undefined, AUTH)).status, 200)
    assert.equal((await call(`${running.url}/_emulator/instances`, 'GET')).status, 200)
    assert.equal((await call(`${running.url}/_emulator/snapshot`, 'GET')).status, 200)

    filler.free()
    for (let k = 0; k < 20; k++) assert.equal((await post(n++)).status, 201)
    const afterFreed = acknowledged.length - beforeFull
    assert.deepEqual((await call(`${running.url}/_emulator/health`, 'GET')).body, { status: 'ok', version: health.body.version })
    t.diagnostic(`writes acknowledged before the disk filled: ${beforeFull}; acknowledged after it was freed: ${afterFreed}`)

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
    assert.deepEqual(after.body.items.map((item: { email: string }) => item.email).sort(), [...acknowledged].sort())
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
