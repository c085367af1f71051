import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import Database from 'better-sqlite3'
import { http, httpJson, runsFor, SEED, seededRandom, setUpRemoteWorld, startServer, type ServerProcess } from './support.js'

/**
 * Crash durability: the real CLI on a file database, concurrent clients POSTing invites
 * over HTTP, SIGKILL at a random moment (after a random number of acknowledged writes,
 * with requests still in flight), then a restart on the same file. An invite that got a
 * 201 was committed first, so it must be there; the file must pass `integrity_check`.
 */
describe('crash durability (SIGKILL of a real server on a file database)', () => {
  test('every acknowledged invite survives SIGKILL and restart; integrity_check is ok', async (t) => {
    const repetitions = runsFor('crashRepetitions')
    const random = seededRandom(SEED)
    t.diagnostic(`seed ${SEED}, ${repetitions} repetitions (replay: RELIABILITY_SEED=${SEED})`)
    const dir = mkdtempSync(join(tmpdir(), 'emulator-crash-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    const dbPath = join(dir, 'crash.db')

    let server: ServerProcess = await startServer(t, dbPath)
    const world = await setUpRemoteWorld(server.url)
    /** Email -> role of its last acknowledged write. */
    const acknowledged = new Map<string, string>()
    let totalAcknowledged = 0
    let totalInFlightAtKill = 0

    for (let rep = 0; rep < repetitions; rep++) {
      const killAfter = 1 + Math.floor(random() * 80)
      const clients = 2 + Math.floor(random() * 10)
      const roles = ['admin', 'edit', 'collaborate', 'view', 'none']
      const run = { acked: 0, inFlight: 0, killed: false }
      const current = server
      const kill = (): void => {
        if (run.killed) return
        run.killed = true
        totalInFlightAtKill += run.inFlight
        current.child.kill('SIGKILL')
      }
      const client = async (c: number): Promise<void> => {
        // Bounded: at most 200 requests per client; the kill normally comes long before.
        for (let n = 0; n < 200 && !run.killed; n++) {
          // Mostly new emails, sometimes a re-invite (the upsert's UPDATE path).
          const email = random() < 0.2 && acknowledged.size > 0
            ? [...acknowledged.keys()][Math.floor(random() * acknowledged.size)]!
            : `r${rep}-c${c}-n${n}@crash.test`
          const role = roles[Math.floor(random() * roles.length)]!
          run.inFlight++
          try {
            const answer = await http(current.url, { method: 'POST', path: world.invitesPath, headers: world.auth, body: JSON.stringify({ email, role }) })
            assert.equal(answer.status, 201, answer.body)
            acknowledged.set(email, role)
            totalAcknowledged++
            if (++run.acked >= killAfter) kill()
          } catch (error) {
            // A connection cut by the kill is no acknowledgement; anything else is a failure.
            if (!run.killed) throw error
          } finally {
            run.inFlight--
          }
        }
      }
      await Promise.all(Array.from({ length: clients }, (_, c) => client(c)))
      kill()
      await current.kill()

      // The file on its own, as the crash left it.
      const db = new Database(dbPath)
      try {
        assert.equal(db.pragma('integrity_check', { simple: true }), 'ok', `repetition ${rep}`)
        const rows = db.prepare('SELECT email, role FROM invites WHERE instance_id = ? AND org_id = ?').all(world.instanceId, world.orgId) as Array<{ email: string, role: string }>
        const stored = new Map(rows.map((r) => [r.email, r.role]))
        assert.equal(stored.size, rows.length, 'one invite per email')
        for (const email of acknowledged.keys()) assert.ok(stored.has(email), `repetition ${rep}: acknowledged ${email} lost`)
      } finally {
        db.close()
      }

      // And through the API after a restart on the same file (same signing key: the token still works).
      server = await startServer(t, dbPath)
      const listing = await httpJson(server.url, { method: 'GET', path: world.invitesPath, headers: world.auth })
      assert.equal(listing.status, 200)
      const listed = new Set(listing.body.items.map((item: { email: string }) => item.email))
      assert.equal(listed.size, listing.body.count)
      for (const email of acknowledged.keys()) assert.ok(listed.has(email), `repetition ${rep}: ${email} missing after restart`)
    }
    await server.kill()
    t.diagnostic(`${repetitions} kills, ${totalAcknowledged} acknowledged writes (${acknowledged.size} distinct invites), ${totalInFlightAtKill} requests in flight at the kills`)
    assert.ok(totalAcknowledged >= repetitions)
  })
})
