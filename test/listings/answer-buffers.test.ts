import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import type { ServerResponse } from 'node:http'
import net from 'node:net'
import { describe, test, type TestContext } from 'node:test'
import { AnswerBuffers } from '../../src/listings/answer-buffers.js'
import { AnswerCache } from '../../src/listings/answer-cache.js'
import type { Snapshot } from '../../src/schemas/snapshot.js'
import { buildTestApp, expectStatus } from '../helper.js'

// Large answers' buffers are reused (performance): a buffer must never be written again
// while anything still holds it, or a client would read another answer's bytes.
const fakeResponse = (): ServerResponse => new EventEmitter() as unknown as ServerResponse

describe('answer buffers', () => {
  test('a large answer is reused once its last hold is released, a small one never', () => {
    const answers = new AnswerBuffers(1000)
    const small = answers.take(999)
    answers.release(small)
    assert.equal(answers.freeCount, 0)

    const first = answers.take(2000)
    assert.equal(first.length, 2000)
    answers.hold(first)
    answers.release(first)
    assert.equal(answers.freeCount, 0, 'one hold is left')
    answers.release(first)
    assert.equal(answers.freeCount, 1)
    answers.release(first)
    assert.equal(answers.freeCount, 1, 'releasing a free buffer again does nothing')

    const second = answers.take(2100)
    assert.equal(second.buffer, first.buffer, 'the same memory, a little longer')
    assert.equal(second.length, 2100)
    assert.equal(answers.freeCount, 0)
    const third = answers.take(2100)
    assert.notEqual(third.buffer, second.buffer, 'a held buffer is not handed out twice')
  })

  test('free buffers wait for reuse up to maxFreeBytes in all', () => {
    const answers = new AnswerBuffers(1000, 10_000)
    const huge = answers.take(20_000)
    answers.release(huge)
    assert.equal(answers.freeCount, 0, 'a whole big org is not kept')
    // 4000 bytes asked, 4500 allocated (room to grow): two fit in 10,000, not three.
    const taken = [answers.take(4000), answers.take(4000), answers.take(4000)]
    for (const answer of taken) answers.release(answer)
    assert.equal(answers.freeCount, 2)
    answers.take(4000)
    answers.release(answers.take(4000))
    assert.equal(answers.freeCount, 1, 'taking one makes room for another')
  })

  test('an answer takes the smallest free buffer it fits in', () => {
    const answers = new AnswerBuffers(1000)
    const big = answers.take(8000)
    const small = answers.take(2000)
    answers.release(big)
    answers.release(small)
    assert.equal(answers.take(1500).buffer, small.buffer)
    assert.equal(answers.take(1500).buffer, big.buffer)
  })

  test('a response holds its answer until it finishes; one that never finishes keeps it from reuse', () => {
    const answers = new AnswerBuffers(1000)
    const finishing = fakeResponse()
    const sent = answers.take(5000)
    answers.holdWhileSending(sent, finishing)
    answers.release(sent)
    assert.equal(answers.freeCount, 0, 'still being sent')
    finishing.emit('finish')
    assert.equal(answers.freeCount, 1)

    const aborted = fakeResponse()
    const lost = answers.take(5000)
    answers.holdWhileSending(lost, aborted)
    answers.release(lost)
    aborted.emit('close')
    assert.equal(answers.freeCount, 0, 'never reused: the socket may still read it')
    assert.notEqual(answers.take(5000).buffer, lost.buffer)
  })

  test('the answer cache holds what it keeps, and lets go when it drops it', () => {
    const answers = new AnswerBuffers(1000)
    const cache = new AnswerCache(100_000, answers)
    const keep = (key: string, json: Buffer): void => {
      cache.set(key, 0, [], json)
      cache.set(key, 0, [], json)
    }
    const kept = answers.take(5000)
    keep('k', kept)
    answers.release(kept)
    assert.equal(answers.freeCount, 0, 'kept by the cache')
    assert.equal(cache.get('k', 0), kept)
    cache.clear()
    assert.equal(cache.get('k', 0), undefined)
    assert.equal(answers.freeCount, 1)

    const replaced = answers.take(5000)
    keep('k', replaced)
    answers.release(replaced)
    cache.set('k', 0, [], answers.take(5000))
    assert.equal(answers.freeCount, 1, 'the replaced entry is released')

    const tooBig = answers.take(30_000)
    keep('big', tooBig)
    answers.release(tooBig)
    assert.equal(answers.freeCount, 2, 'an answer the cache does not keep is not held by it')
  })

  test('over HTTP: an answer a slow client is still reading is not overwritten by the next ones', async (t) => {
    const instanceId = '5f0000000000000000000001'
    const orgId = '5f0000000000000000000002'
    // About 6.5 MB of answer: more than the kernel takes for a client that does not read
    // (about 4 MB here), so the server is still sending it while the next answers are made.
    const invites = Array.from({ length: 5000 }, (_, i) => ({ email: `${String(i).padStart(4, '0')}${'x'.repeat(1000)}@example.com`, role: 'view' as const }))
    const seed: Snapshot = { instances: [{ id: instanceId, name: 'i', orgs: [{ id: orgId, name: 'o', invites }] }], tokens: [{ token: 'tok', scope: ['all.Instance'] }] }
    const app = await buildTestApp(t, { seed })
    await app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = app.server.address() as net.AddressInfo
    const path = `/instances/${instanceId}/orgs/${orgId}/invites`
    const auth = { authorization: 'Bearer tok' }

    const expected = expectStatus(await app.inject({ method: 'GET', url: `${path}?sortField=email&sortDirection=asc`, headers: auth }), 200).body
    const slow = await startSlowRequest(t, port, `${path}?sortField=email&sortDirection=asc`)
    // Answers in other orders, of the same length, would be written into the slow answer's
    // buffer if it were free.
    for (const query of ['?sortField=email&sortDirection=desc', '?sortField=inviteDate&sortDirection=asc', '?sortField=role&sortDirection=asc']) {
      expectStatus(await app.inject({ method: 'GET', url: `${path}${query}`, headers: auth }), 200)
    }
    const body = await slow.readAll()
    assert.equal(body.length, expected.length)
    assert.ok(body === expected, 'the slow client read the answer as it was when it asked')
  })
})

/** Sends a GET on a raw socket and stops reading once the answer starts arriving. */
async function startSlowRequest (t: TestContext, port: number, path: string): Promise<{ readAll: () => Promise<string> }> {
  const socket = net.connect(port, '127.0.0.1')
  t.after(() => socket.destroy())
  const chunks: Buffer[] = []
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok\r\nConnection: close\r\n\r\n`)
  await new Promise<void>((resolve) => socket.once('data', (chunk: Buffer) => {
    chunks.push(chunk)
    socket.pause()
    resolve()
  }))
  // Let the server write what the kernel takes, then block.
  await new Promise((resolve) => setTimeout(resolve, 100))
  return {
    readAll: async () => {
      socket.on('data', (chunk: Buffer) => chunks.push(chunk))
      socket.resume()
      await new Promise((resolve) => socket.once('end', resolve))
      const text = Buffer.concat(chunks).toString()
      return text.slice(text.indexOf('\r\n\r\n') + 4)
    }
  }
}
