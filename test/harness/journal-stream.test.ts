import assert from 'node:assert/strict'
import { describe, test, type TestContext } from 'node:test'
import { Journal, type JournalRecord } from '../../src/harness/journal.js'
import { JournalStream, type StreamClient } from '../../src/harness/journal-stream.js'
import { compileMatch, type RequestMatch } from '../../src/harness/match.js'

/**
 * The live journal's fan-out: every client gets each matching entry once, as a
 * server-sent event (`id`, `event: request`, `data`: the entry as the journal lists it), in
 * order; a client that does not read is dropped once too much waits for it.
 */

const A = 'aaaaaaaaaaaaaaaaaaaaaaaa'
const B = 'bbbbbbbbbbbbbbbbbbbbbbbb'

function record (method: string, url: string): JournalRecord {
  return { id: 0, time: 1000, method, url, query: {}, headers: {}, body: undefined, bodyOmitted: false, token: undefined, status: 200, durationMs: 1, fault: undefined, client: undefined }
}

interface FakeClient extends StreamClient {
  received: Buffer[]
  text: () => string
  ended: boolean
  dropped: boolean
}

/** A client whose bytes are kept; `unread` says how much was still waiting for it when more came. */
function client (match: RequestMatch = {}, unread: (earlier: Buffer[]) => number = () => 0): FakeClient {
  const fake: FakeClient = {
    matches: compileMatch(match),
    filterKey: JSON.stringify(match),
    received: [],
    text: () => Buffer.concat(fake.received).toString(),
    ended: false,
    dropped: false,
    send: (bytes) => {
      const waiting = unread(fake.received)
      fake.received.push(bytes)
      return waiting
    },
    end: () => { fake.ended = true },
    drop: () => { fake.dropped = true }
  }
  return fake
}

function streamOf (t: TestContext, journal: Journal): JournalStream {
  const stream = new JournalStream(journal, { batchMs: 5 })
  t.after(() => stream.endAll())
  return stream
}

const settle = async (): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, 30)) }

/** The entries' events as the journal lists them, oldest first. */
function events (journal: Journal, ids: number[]): string {
  const byId = new Map(journal.list().map((entry) => [entry.id, entry]))
  return ids.map((id) => `id: ${id}\nevent: request\ndata: ${JSON.stringify(byId.get(id))}\n\n`).join('')
}

describe('JournalStream', () => {
  test('each client gets every matching entry recorded after it came, once, in order, as an event', async (t) => {
    const journal = new Journal(100)
    const stream = streamOf(t, journal)
    journal.record(record('GET', `/instances/${A}/orgs/${B}/invites`))
    const all = client()
    const postsToB = client({ method: 'POST', orgId: B })
    stream.add(all)
    stream.add(postsToB)
    journal.record(record('POST', `/instances/${A}/orgs/${B}/invites`))
    journal.record(record('GET', `/instances/${A}/orgs/${B}/invites`))
    journal.record(record('POST', `/instances/${A}/orgs/${A}/invites`))
    await settle()
    journal.record(record('POST', `/instances/${A}/orgs/${B}/invites/${A}`))
    await settle()
    assert.equal(all.text(), events(journal, [2, 3, 4, 5]))
    assert.equal(postsToB.text(), events(journal, [2, 5]))
  })

  test('an entry is serialized once: clients with the same filters are sent the very same bytes', async (t) => {
    const journal = new Journal(100)
    const stream = streamOf(t, journal)
    const clients = Array.from({ length: 5 }, () => client({ method: 'GET' }))
    for (const each of clients) stream.add(each)
    for (let i = 0; i < 3; i++) journal.record(record('GET', `/p${i}`))
    await settle()
    assert.equal(clients[0]!.received.length, 1, 'one write per batch')
    for (const each of clients) assert.equal(each.received[0], clients[0]!.received[0])
    assert.equal(clients[0]!.text(), events(journal, [1, 2, 3]))
  })

  test('a client that comes while a batch gathers gets only what was recorded after it came', async (t) => {
    const journal = new Journal(100)
    const stream = streamOf(t, journal)
    const early = client()
    stream.add(early)
    journal.record(record('GET', '/before'))
    const late = client()
    stream.add(late)
    journal.record(record('GET', '/after'))
    await settle()
    assert.equal(early.text(), events(journal, [1, 2]))
    assert.equal(late.text(), events(journal, [2]))
  })

  test('what a client was owed from before (after, Last-Event-ID) goes first', async (t) => {
    const journal = new Journal(100)
    const stream = streamOf(t, journal)
    journal.record(record('GET', '/old'))
    const returning = client()
    stream.add(returning)
    stream.sendNow(returning, journal.list().reverse())
    journal.record(record('GET', '/new'))
    await settle()
    assert.equal(returning.text(), events(journal, [1, 2]))
  })

  test('a client that still has more than the bound waiting for it when more comes is dropped and sent nothing more; the others go on', async (t) => {
    const journal = new Journal(100)
    const stream = new JournalStream(journal, { batchMs: 5, maxUnreadBytes: 1000 })
    t.after(() => stream.endAll())
    const reader = client()
    const stalled = client({}, (received) => received.reduce((sum, bytes) => sum + bytes.length, 0))
    stream.add(reader)
    stream.add(stalled)
    for (let batch = 0; batch < 10; batch++) {
      journal.record(record('GET', `/p${batch}`))
      await settle()
    }
    assert.equal(stalled.dropped, true)
    assert.ok(stalled.received.length < 10, `${stalled.received.length} batches before the drop`)
    assert.ok(stalled.received.reduce((sum, bytes) => sum + bytes.length, 0) > 1000, 'dropped once more than the bound was waiting')
    assert.equal(reader.text(), events(journal, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]))
  })

  test('one batch larger than the bound does not drop a client that reads', async (t) => {
    const journal = new Journal(100)
    const stream = new JournalStream(journal, { batchMs: 5, maxUnreadBytes: 1000 })
    t.after(() => stream.endAll())
    const reader = client()
    stream.add(reader)
    for (let i = 0; i < 20; i++) journal.record(record('GET', `/${'p'.repeat(100)}${i}`))
    await settle()
    assert.ok(reader.received[0]!.length > 1000, 'one batch past the bound')
    assert.equal(reader.dropped, false)
  })

  test('a client removed is sent nothing more; endAll ends every stream', async (t) => {
    const journal = new Journal(100)
    const stream = streamOf(t, journal)
    const leaving = client()
    const staying = client()
    const stop = stream.add(leaving)
    stream.add(staying)
    stop()
    journal.record(record('GET', '/p'))
    await settle()
    assert.deepEqual(leaving.received, [])
    assert.equal(staying.text(), events(journal, [1]))
    stream.endAll()
    assert.deepEqual([leaving.ended, staying.ended], [false, true])
  })
})
