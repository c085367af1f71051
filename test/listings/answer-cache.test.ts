import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Clock } from '../../src/clock.js'
import { AnswerCache } from '../../src/listings/answer-cache.js'
import type { InviteRecord } from '../../src/store/types.js'
import { buildWorld, expectStatus, postInvite, type World } from '../helper.js'

// The listing cache (docs/PERFORMANCE.md) must be invisible: same bytes, same headers,
// and every write or clock move seen by the next read.
async function get (world: World, query = ''): Promise<{ body: string, type: string | undefined, length: string | undefined }> {
  const response = expectStatus(await world.app.inject({ method: 'GET', url: `${world.invitesPath}${query}`, headers: world.auth }), 200)
  return { body: response.body, type: response.headers['content-type'] as string | undefined, length: response.headers['content-length'] as string | undefined }
}

describe('answer cache', () => {
  const invite = (inviteDate: number): InviteRecord => ({ id: '1', instanceId: 'i', orgId: 'o', email: 'a@x.io', role: 'view', inviteDate, ttl: 1000, token: 't' })

  test('keeps an answer made a second time since the last change, while no invite would show as expired otherwise', () => {
    const cache = new AnswerCache()
    const json = Buffer.from('{}')
    cache.set('k', 500, [invite(0)], json)
    assert.equal(cache.get('k', 500), undefined, 'made once: not kept')
    cache.set('k', 500, [invite(0)], json)
    assert.equal(cache.get('k', 500), json)
    assert.equal(cache.get('k', 1000), json, 'at the expiry itself the invite is not expired')
    assert.equal(cache.get('k', 1001), undefined, 'past it, the answer would differ')
    cache.clear()
    cache.set('k', 500, [invite(0)], json)
    assert.equal(cache.get('k', 500), undefined, 'a change starts over')
  })

  test('bounded by bytes and by listings, the oldest going first', () => {
    const cache = new AnswerCache(40, 5)
    const keep = (key: string, bytes: number): void => {
      cache.set(key, 0, [], Buffer.alloc(bytes))
      cache.set(key, 0, [], Buffer.alloc(bytes))
    }
    for (const key of ['a', 'b', 'c', 'd']) keep(key, 10)
    assert.equal(cache.get('a', 0)?.length, 10, '40 bytes fit')
    keep('e', 10)
    assert.equal(cache.get('a', 0), undefined, 'past 40 bytes: the oldest went')
    assert.equal(cache.get('b', 0)?.length, 10)
    cache.set('f', 0, [], Buffer.alloc(1))
    assert.equal(cache.get('b', 0)?.length, 10, 'five listings, seen or kept, fit')
    cache.set('g', 0, [], Buffer.alloc(1))
    assert.equal(cache.get('b', 0), undefined, 'six: the oldest went')
    assert.equal(cache.get('c', 0)?.length, 10)
    keep('huge', 11)
    assert.equal(cache.get('huge', 0), undefined, 'over a quarter of the bound: not kept')
  })
})

describe('answers through the routes', () => {
  test('a repeated GET answers the same bytes and headers', async (t) => {
    const world = await buildWorld(t)
    expectStatus(await postInvite(world, { email: 'a@x.io', role: 'view' }), 201)
    const first = await get(world, '?sortField=email')
    const second = await get(world, '?sortField=email')
    assert.deepEqual(second, first)
    assert.equal(first.type, 'application/json; charset=utf-8')
    assert.equal(first.length, String(Buffer.byteLength(first.body)))
  })

  test('a write is seen by the next GET, with links or without', async (t) => {
    const world = await buildWorld(t)
    expectStatus(await postInvite(world, { email: 'a@x.io', role: 'view' }), 201)
    assert.equal(JSON.parse((await get(world)).body).count, 1)
    assert.equal(JSON.parse((await get(world, '?_links=false')).body)._links, undefined)
    expectStatus(await postInvite(world, { email: 'b@x.io', role: 'view' }), 201)
    assert.equal(JSON.parse((await get(world)).body).count, 2)
    const unlinked = JSON.parse((await get(world, '?_links=false')).body)
    assert.equal(unlinked.count, 2)
    assert.equal(unlinked._links, undefined)
  })

  test('moving the clock past an expiry and back is seen both ways', async (t) => {
    const clock = new Clock()
    const world = await buildWorld(t, { clock, inviteTtlMs: 1000 })
    expectStatus(await postInvite(world, { email: 'a@x.io', role: 'view' }), 201)
    const expired = async (): Promise<boolean> => JSON.parse((await get(world)).body).items[0].hasExpired
    assert.equal(await expired(), false)
    clock.setOffset(5000)
    assert.equal(await expired(), true)
    clock.setOffset(0)
    assert.equal(await expired(), false)
  })

  test('an answer from the cache is the same as a fresh one after an unrelated write', async (t) => {
    const world = await buildWorld(t)
    expectStatus(await postInvite(world, { email: 'a@x.io', role: 'admin' }), 201)
    const cached = await get(world, '?filterField=role&filter=adm*')
    expectStatus(await world.app.inject({ method: 'POST', url: '/_emulator/instances', payload: {} }), 201)
    assert.deepEqual(await get(world, '?filterField=role&filter=adm*'), cached)
  })

  test('a POST after a listing answers what a fresh listing says (re-invites, new invites, clock moved back)', async (t) => {
    const clock = new Clock()
    const world = await buildWorld(t, { clock })
    for (const email of ['a@x.io', 'b@x.io', 'c@x.io']) expectStatus(await postInvite(world, { email, role: 'view' }), 201)
    const fresh = async (): Promise<string> => {
      // An unrelated write first: nothing comes from the cache.
      expectStatus(await world.app.inject({ method: 'POST', url: '/_emulator/instances', payload: {} }), 201)
      return (await get(world)).body
    }
    const steps: Array<{ email: string, offset: number, links: boolean }> = [
      { email: 'b@x.io', offset: 0, links: true },
      { email: 'd@x.io', offset: 0, links: false },
      { email: 'a@x.io', offset: -60_000, links: true },
      { email: 'c@x.io', offset: -60_000, links: true }
    ]
    for (const step of steps) {
      await get(world, step.links ? '' : '?_links=false')
      clock.setOffset(step.offset)
      const posted = expectStatus(await world.app.inject({
        method: 'POST',
        url: `${world.invitesPath}${step.links ? '' : '?_links=false'}`,
        headers: { ...world.auth, 'content-type': 'application/json' },
        payload: { email: step.email, role: 'edit' }
      }), 201)
      const expected = JSON.parse(await fresh())
      if (!step.links) {
        delete expected._links
        for (const item of expected.items) delete item._links
      }
      assert.deepEqual(JSON.parse(posted.body), expected)
    }
  })
})
