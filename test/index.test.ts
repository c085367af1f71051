import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import losant from 'losant-rest'
import { SnapshotError, startEmulator } from '../src/index.js'

const I = 'aaaaaaaaaaaaaaaaaaaaaaaa'
const O = 'bbbbbbbbbbbbbbbbbbbbbbbb'
const seed = { instances: [{ id: I, name: 'I', orgs: [{ id: O, name: 'O', invites: [{ email: 'seeded@x.io', role: 'view' as const }] }] }] }

describe('startEmulator', () => {
  test('two emulators side by side on port 0, each with its own state', async (t) => {
    const a = await startEmulator({ seed })
    t.after(() => a.stop())
    const b = await startEmulator()
    t.after(() => b.stop())
    assert.notEqual(a.port, b.port)
    assert.equal(a.url, `http://127.0.0.1:${a.port}`)

    const { token } = await a.mintToken({ scope: ['all.Instance'] })
    const client = losant.createClient({ url: a.url, accessToken: token })
    const listed = await client.request({ method: 'GET', url: `/instances/${I}/orgs/${O}/invites`, params: { _actions: false, _links: true, _embedded: true } })
    assert.deepEqual(listed.items.map((i: any) => i.email), ['seeded@x.io'])

    const other = await fetch(`${b.url}/_emulator/instances`)
    assert.deepEqual(await other.json(), [])
  })

  test('snapshot, restore, reset; an invalid snapshot throws and changes nothing', async (t) => {
    const emulator = await startEmulator({ seed })
    t.after(() => emulator.stop())
    const original = await emulator.snapshot()
    await emulator.restore({ instances: [] })
    assert.deepEqual((await emulator.snapshot()).instances, [])
    await assert.rejects(emulator.restore({ instances: [{ id: 'bad' }] }), SnapshotError)
    assert.deepEqual((await emulator.snapshot()).instances, [])
    await emulator.reset()
    const reset = await emulator.snapshot()
    assert.equal(reset.instances[0]!.orgs![0]!.invites![0]!.email, 'seeded@x.io')
    await emulator.restore(original)
    assert.deepEqual(await emulator.snapshot(), original)
  })

  test('a seed given as a file path; a bad path rejects', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'emulator-index-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    const path = join(dir, 'seed.json')
    writeFileSync(path, JSON.stringify(seed))
    const emulator = await startEmulator({ seed: path })
    t.after(() => emulator.stop())
    assert.equal((await emulator.snapshot()).instances.length, 1)
    await assert.rejects(startEmulator({ seed: join(dir, 'missing.json') }), /seed file .*missing\.json: no such file/)
  })

  test('stop closes the port', async () => {
    const emulator = await startEmulator()
    await emulator.stop()
    await assert.rejects(fetch(`${emulator.url}/_emulator/health`))
  })
})
