import assert from 'node:assert/strict'
import { describe, test, type TestContext } from 'node:test'
import { Clock } from '../../src/clock.js'
import type { ListingQuery } from '../../src/domain/present.js'
import { Listings } from '../../src/listings/index.js'
import { SqliteInviteStore } from '../../src/store/sqlite.js'
import type { InviteStore } from '../../src/store/types.js'
import { buildWorld, expectStatus, postInvite, type World } from '../helper.js'

/**
 * The listing seam as a client sees it: whatever the caches keep, a listing answers what
 * the contract says of the data now (every invite of the org, filtered on the field asked
 * for, `hasExpired` exactly when `now > inviteDate + ttl`).
 */

const I = 'aaaaaaaaaaaaaaaaaaaaaaaa'
const A = 'bbbbbbbbbbbbbbbbbbbbbbbb'
const B = 'cccccccccccccccccccccccc'

/**
 * A store whose announcements can be held back: a write made while `muted` reaches the
 * database as any other, but no listener hears of it, as if it had been made behind the
 * store's back (a write method that forgot to announce, a statement on its handle).
 */
function storeWithMute (t: TestContext): { store: InviteStore, mute: (muted: boolean) => void } {
  const real = new SqliteInviteStore(':memory:')
  t.after(() => real.close())
  let muted = false
  const store = new Proxy(real, {
    get (target, property) {
      if (property === 'onChange') {
        return (listener: Parameters<InviteStore['onChange']>[0]) => target.onChange((change, versions) => { if (!muted) listener(change, versions) })
      }
      const value = Reflect.get(target, property) as unknown
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
    }
  })
  return { store, mute: (value) => { muted = value } }
}

let nextId = 1
function invite (email: string): Parameters<InviteStore['upsertInvite']>[2] {
  return { id: (nextId++).toString(16).padStart(24, '0'), email, role: 'view', inviteDate: 1000, ttl: 1_000_000, token: `t-${email}` }
}

describe('the listings\' safety net', () => {
  test('a write the store did not announce is seen by the next listing, whatever is announced after it', (t) => {
    const { store, mute } = storeWithMute(t)
    store.createInstance({ id: I, name: 'i' })
    store.createOrg({ instanceId: I, id: A, name: 'a' })
    store.createOrg({ instanceId: I, id: B, name: 'b' })
    store.upsertInvite(I, A, invite('first@x.io'))
    const listings = new Listings(store)
    const query: ListingQuery = { instanceId: I, orgId: A, sortField: 'email', sortDirection: 'asc', links: false }
    const emails = (): string[] => (JSON.parse(listings.collection(query, 2000).toString()) as { items: Array<{ email: string }> }).items.map((item) => item.email)
    // Read twice: the answer and the org's records are kept.
    assert.deepEqual(emails(), ['first@x.io'])
    assert.deepEqual(emails(), ['first@x.io'])

    mute(true)
    store.upsertInvite(I, A, invite('unannounced@x.io'))
    mute(false)
    // Announced writes after it: another org's invite, the outbox, a new org.
    store.upsertInvite(I, B, invite('elsewhere@x.io'))
    store.addOutboxMessage({ id: 'dddddddddddddddddddddddd', to: 'elsewhere@x.io', instanceId: I, orgId: B, inviteId: '1', token: 't', sentAt: 0 })
    store.createOrg({ instanceId: I, id: 'eeeeeeeeeeeeeeeeeeeeeeee', name: 'e' })
    assert.deepEqual(emails(), ['first@x.io', 'unannounced@x.io'])

    // And when the announced write after it is to the same org.
    assert.deepEqual(emails(), ['first@x.io', 'unannounced@x.io'])
    mute(true)
    store.upsertInvite(I, A, invite('hidden@x.io'))
    mute(false)
    store.upsertInvite(I, A, invite('zed@x.io'))
    assert.deepEqual(emails(), ['first@x.io', 'hidden@x.io', 'unannounced@x.io', 'zed@x.io'])

    // And when the writes after it are all in one transaction.
    assert.deepEqual(emails(), ['first@x.io', 'hidden@x.io', 'unannounced@x.io', 'zed@x.io'])
    mute(true)
    store.deleteInvite(I, A, store.listInvites({ instanceId: I, orgId: A, sortField: 'email', sortDirection: 'asc' }).find((record) => record.email === 'first@x.io')!.id)
    mute(false)
    store.transaction(() => {
      store.upsertInvite(I, B, invite('second@x.io'))
      store.upsertInvite(I, A, invite('young@x.io'))
    })
    assert.deepEqual(emails(), ['hidden@x.io', 'unannounced@x.io', 'young@x.io', 'zed@x.io'])
  })
})

/** The listing's items (emails and hasExpired) through the Losant route. */
async function listed (world: World, query = ''): Promise<Array<{ email: string, role: string, hasExpired: boolean }>> {
  const response = expectStatus(await world.app.inject({ method: 'GET', url: `${world.invitesPath}${query}`, headers: world.auth }), 200)
  return response.json().items.map(({ email, role, hasExpired }: { email: string, role: string, hasExpired: boolean }) => ({ email, role, hasExpired }))
}

describe('what a kept answer depends on', () => {
  test('the filter field: `filter=view*` on email, then on role, answers each listing', async (t) => {
    const world = await buildWorld(t)
    expectStatus(await postInvite(world, { email: 'viewer@x.io', role: 'admin' }), 201)
    expectStatus(await postInvite(world, { email: 'ann@x.io', role: 'view' }), 201)
    const byEmail = [{ email: 'viewer@x.io', role: 'admin', hasExpired: false }]
    const byRole = [{ email: 'ann@x.io', role: 'view', hasExpired: false }]
    // Each read twice and more: kept answers are used.
    for (let round = 0; round < 3; round++) {
      assert.deepEqual(await listed(world, '?filterField=email&filter=view*'), byEmail, `round ${round}: email`)
      assert.deepEqual(await listed(world, '?filterField=email&filter=view*'), byEmail, `round ${round}: email again`)
      assert.deepEqual(await listed(world, '?filterField=role&filter=view*'), byRole, `round ${round}: role`)
    }
  })

  test('the clock to the millisecond: read at the invite\'s expiry it has not expired, 1 ms later it has (now > inviteDate + ttl)', async (t) => {
    /** A clock that stands still where it is put. */
    class StoppedClock extends Clock {
      at = Date.parse('2026-01-01T00:00:00.000Z')
      override now (): number {
        return this.at
      }
    }
    const clock = new StoppedClock()
    const world = await buildWorld(t, { clock, inviteTtlMs: 1000 })
    const posted = expectStatus(await postInvite(world, { email: 'a@x.io', role: 'view' }), 201).json()
    assert.equal(Date.parse(posted.items[0].inviteDate), clock.at)
    const expiry = clock.at + 1000
    const expired = async (): Promise<boolean[]> => (await listed(world)).map((item) => item.hasExpired)

    clock.at = expiry
    assert.deepEqual(await expired(), [false])
    assert.deepEqual(await expired(), [false], 'read again at the expiry')
    clock.at = expiry + 1
    assert.deepEqual(await expired(), [true], '1 ms past the expiry')
    assert.deepEqual(await expired(), [true])
    clock.at = expiry
    assert.deepEqual(await expired(), [false], 'back at the expiry')
  })
})
