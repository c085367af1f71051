import assert from 'node:assert/strict'
import { renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { buildWorld, postInvite } from '../helper.js'
import { call, startServer, tempDir } from '../processes.js'

/**
 * The database file deleted or replaced under a running emulator (`rm -rf data/`, `git
 * clean`, a removed volume): no write is acknowledged that a restart would lose. Writes
 * are refused with a message naming the file and what happened, health is degraded with
 * that reason, and the log says it once (README, "The database file").
 */

const I = '575ec8687ae143cd83dc4a97'
const O = '575ec8687ae143cd83dc4a98'
const TOKEN = 'file-check-token'
const AUTH = { authorization: `Bearer ${TOKEN}` }
const INVITES = `/instances/${I}/orgs/${O}/invites`

const refusal = (file: string, what: string): { type: string, message: string } => ({
  type: 'InternalError',
  message: `The database file ${file} was ${what} while the emulator was running: the change was not saved. ` +
    'Writes are refused until the emulator restarts; GET /_emulator/snapshot still answers the data it held'
})
const degraded = (file: string, what: string): string =>
  `The database file ${file} was ${what} while the emulator was running: writes are refused until the emulator restarts`

describe('the database file deleted under the running server', () => {
  test('health degraded and every write refused, naming the file; one log line; reads go on; a restart holds only what was acknowledged', async (t) => {
    const dir = tempDir(t, 'emulator-deleted-')
    const data = join(dir, 'data')
    const db = join(data, 'emulator.db')
    const seed = join(dir, 'seed.json')
    writeFileSync(seed, JSON.stringify({ instances: [{ id: I, orgs: [{ id: O }] }], tokens: [{ token: TOKEN, scope: ['all.Instance'] }] }))
    const server = await startServer(t, ['--db', db, '--seed', seed])
    const before = await call(`${server.url}${INVITES}`, 'POST', { email: 'before@x.io', role: 'view' }, AUTH)
    assert.equal(before.status, 201)
    assert.deepEqual((await call(`${server.url}/_emulator/health`, 'GET')).body.status, 'ok')

    rmSync(data, { recursive: true })

    const health = await call(`${server.url}/_emulator/health`, 'GET')
    assert.equal(health.status, 200)
    assert.deepEqual([health.body.status, health.body.reason], ['degraded', degraded(db, 'deleted')])
    const writes = [
      await call(`${server.url}${INVITES}`, 'POST', { email: 'after@x.io', role: 'view' }, AUTH),
      await call(`${server.url}${INVITES}/${before.body.items[0].id}`, 'DELETE', undefined, AUTH),
      await call(`${server.url}/_emulator/instances`, 'POST', {}),
      await call(`${server.url}/_emulator/reset`, 'POST')
    ]
    for (const write of writes) assert.deepEqual(write, { status: 500, body: refusal(db, 'deleted') })
    // Reads answer what the emulator held: a snapshot can be saved and restored after a restart.
    const listing = await call(`${server.url}${INVITES}`, 'GET', undefined, AUTH)
    assert.deepEqual(listing.body.items.map((item: { email: string }) => item.email), ['before@x.io'])
    assert.equal((await call(`${server.url}/_emulator/snapshot`, 'GET')).status, 200)

    const errors = server.lines.map((line) => JSON.parse(line) as { level: number, msg: string }).filter((entry) => entry.level >= 50)
    assert.deepEqual(errors.map((entry) => entry.msg), [
      `${degraded(db, 'deleted')}; nothing written from now on would survive a restart, which starts on whatever file is then at that path ` +
      '(GET /_emulator/snapshot still answers the data the emulator held)'
    ])

    server.child.kill('SIGTERM')
    assert.equal(await server.exited, 0)
    const restarted = await startServer(t, ['--db', db, '--seed', seed])
    const after = await call(`${restarted.url}${INVITES}`, 'GET', undefined, AUTH)
    assert.deepEqual(after.body.items, [], 'a new database: the seed, and no write that was refused')
  })
})

describe('replaced, or its -wal file gone', () => {
  test('another file moved in its place: refused, naming the file, health degraded', async (t) => {
    const dir = tempDir(t, 'emulator-replaced-')
    const db = join(dir, 'emulator.db')
    const world = await buildWorld(t, { db })
    assert.equal((await postInvite(world, { email: 'a@x.io', role: 'view' })).statusCode, 201)
    writeFileSync(join(dir, 'other.db'), '')
    renameSync(join(dir, 'other.db'), db)
    const refused = await postInvite(world, { email: 'b@x.io', role: 'view' })
    assert.deepEqual([refused.statusCode, refused.json()], [500, refusal(db, 'replaced by another file')])
    const health = (await world.app.inject({ method: 'GET', url: '/_emulator/health' })).json()
    assert.deepEqual([health.status, health.reason], ['degraded', degraded(db, 'replaced by another file')])
  })

  test('the -wal file deleted (the changes since the last checkpoint live there): refused, naming it', async (t) => {
    const dir = tempDir(t, 'emulator-wal-')
    const db = join(dir, 'emulator.db')
    const world = await buildWorld(t, { db })
    assert.equal((await postInvite(world, { email: 'a@x.io', role: 'view' })).statusCode, 201)
    rmSync(`${db}-wal`)
    const refused = await postInvite(world, { email: 'b@x.io', role: 'view' })
    assert.deepEqual([refused.statusCode, refused.json()], [500, refusal(`${db}-wal`, 'deleted')])
  })

  test('other files coming and going beside it change nothing', async (t) => {
    const dir = tempDir(t, 'emulator-neighbours-')
    const world = await buildWorld(t, { db: join(dir, 'emulator.db') })
    for (let n = 0; n < 3; n++) {
      writeFileSync(join(dir, `neighbour-${n}.txt`), 'x')
      assert.equal((await postInvite(world, { email: `a${n}@x.io`, role: 'view' })).statusCode, 201)
      rmSync(join(dir, `neighbour-${n}.txt`))
      assert.equal((await postInvite(world, { email: `b${n}@x.io`, role: 'view' })).statusCode, 201)
    }
    assert.equal((await world.app.inject({ method: 'GET', url: '/_emulator/health' })).json().status, 'ok')
  })
})
