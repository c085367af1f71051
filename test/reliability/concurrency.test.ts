import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { httpJson, isSortedAsAsked, SEED, seededRandom, setUpRemoteWorld, startServer, type RemoteWorld, type ServerProcess } from './support.js'

/**
 * Many clients at once against one real server over HTTP: writes land exactly once,
 * concurrent re-invites of one email leave one invite, and a listing read while writes
 * go on is always a consistent collection.
 */
interface Invite { id: string, email: string, role: string, inviteDate: string }

describe('concurrency over real HTTP (one server process)', () => {
  let server: ServerProcess
  before(async () => {
    server = await startServer({ after: () => {} }, ':memory:')
  })
  after(() => server.kill())

  async function post (world: RemoteWorld, email: string, role = 'view'): Promise<{ status: number, body: any }> {
    return await httpJson(server.url, { method: 'POST', path: world.invitesPath, headers: world.auth, json: { email, role } })
  }

  async function list (world: RemoteWorld, query = ''): Promise<{ status: number, body: any }> {
    return await httpJson(server.url, { method: 'GET', path: `${world.invitesPath}${query}`, headers: world.auth })
  }

  test('300 parallel POSTs with distinct emails all land, exactly once', async () => {
    const world = await setUpRemoteWorld(server.url)
    const emails = Array.from({ length: 300 }, (_, i) => `user${i}@parallel.test`)
    const answers = await Promise.all(emails.map((email) => post(world, email)))
    assert.deepEqual(answers.map((a) => a.status), emails.map(() => 201))
    const listing = await list(world)
    assert.equal(listing.body.count, 300)
    assert.deepEqual(listing.body.items.map((i: Invite) => i.email).sort(), [...emails].sort())
    assert.equal(new Set(listing.body.items.map((i: Invite) => i.id)).size, 300)
  })

  test('50 parallel POSTs of one email (in any case) leave exactly one invite', async () => {
    const world = await setUpRemoteWorld(server.url)
    const roles = ['admin', 'edit', 'collaborate', 'view', 'none']
    const variants = Array.from({ length: 50 }, (_, i) => i % 3 === 0 ? 'Same.Person@Example.com' : i % 3 === 1 ? 'same.person@example.com' : 'SAME.PERSON@EXAMPLE.COM')
    const answers = await Promise.all(variants.map((email, i) => post(world, email, roles[i % roles.length])))
    const ids = new Set<string>()
    for (const answer of answers) {
      assert.equal(answer.status, 201)
      const mine = answer.body.items.filter((i: Invite) => i.email === 'same.person@example.com')
      assert.equal(mine.length, 1, 'one invite in every answer')
      ids.add(mine[0].id)
    }
    assert.equal(ids.size, 1, 'the same invite throughout (re-invites keep the id)')
    const listing = await list(world)
    assert.equal(listing.body.count, 1)
    assert.equal(listing.body.items[0].email, 'same.person@example.com')
  })

  test('GETs during writes always see a consistent collection: count = items, no duplicates, sorted as asked', async (t) => {
    const world = await setUpRemoteWorld(server.url)
    const random = seededRandom(SEED)
    t.diagnostic(`seed ${SEED}`)
    const roles = ['admin', 'edit', 'collaborate', 'view', 'none']
    const sortFields = ['email', 'role', 'inviteDate'] as const
    const directions = ['asc', 'desc'] as const
    const writes = Array.from({ length: 200 }, (_, i) => async () => {
      // A third are re-invites of an earlier email: updates race with reads too.
      const email = i > 10 && random() < 0.33 ? `w${Math.floor(random() * i)}@during.test` : `w${i}@during.test`
      assert.equal((await post(world, email, roles[Math.floor(random() * roles.length)])).status, 201)
    })
    let reads = 0
    let maxSeen = 0
    const readsDuring = Array.from({ length: 100 }, () => async () => {
      const sortField = sortFields[Math.floor(random() * sortFields.length)]!
      const sortDirection = directions[Math.floor(random() * directions.length)]!
      const filtered = random() < 0.3
      const query = `?sortField=${sortField}&sortDirection=${sortDirection}${filtered ? '&filterField=email&filter=w1*' : ''}`
      const listing = await list(world, query)
      assert.equal(listing.status, 200)
      const items: Invite[] = listing.body.items
      assert.equal(listing.body.count, items.length)
      assert.equal(new Set(items.map((i) => i.id)).size, items.length, 'no duplicate ids')
      assert.equal(new Set(items.map((i) => i.email)).size, items.length, 'no duplicate emails')
      assert.ok(isSortedAsAsked(items, sortField, sortDirection), `${query}: not sorted`)
      if (filtered) for (const item of items) assert.match(item.email, /^w1/)
      reads++
      maxSeen = Math.max(maxSeen, items.length)
    })
    // Interleave: every third request a read.
    const all: Array<() => Promise<void>> = []
    for (let i = 0; i < 300; i++) all.push(i % 3 === 2 ? readsDuring[Math.floor(i / 3)]! : writes[i - Math.floor((i + 1) / 3)]!)
    await Promise.all(all.map((run) => run()))
    assert.equal(reads, 100)
    const final = await list(world)
    const emails = final.body.items.map((i: Invite) => i.email)
    assert.equal(new Set(emails).size, emails.length)
    assert.ok(final.body.count >= maxSeen)
  })
})
