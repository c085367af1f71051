import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Journal, type JournalRecord } from '../../src/harness/journal.js'
import { MatchError } from '../../src/harness/match.js'

const A = 'aaaaaaaaaaaaaaaaaaaaaaaa'
const B = 'bbbbbbbbbbbbbbbbbbbbbbbb'

function record (method: string, url: string, time = 1000, status = 200): JournalRecord {
  return { id: 0, time, method, url, query: {}, headers: {}, body: undefined, bodyOmitted: false, token: undefined, status, durationMs: 1, fault: undefined, client: undefined }
}

describe('Journal', () => {
  test('keeps at most `size` entries, dropping the oldest; ids keep increasing', () => {
    const journal = new Journal(3)
    for (let i = 0; i < 5; i++) journal.record(record('GET', `/p${i}`))
    const listed = journal.list()
    assert.deepEqual(listed.map((e) => e.path), ['/p4', '/p3', '/p2'])
    assert.deepEqual(listed.map((e) => e.id), [5, 4, 3])
  })

  test('size 0 records nothing', () => {
    const journal = new Journal(0)
    journal.record(record('GET', '/p'))
    assert.equal(journal.enabled, false)
    assert.deepEqual(journal.list(), [])
  })

  test('filters: method, path glob, ids from the path (case-insensitive), since, limit', () => {
    const journal = new Journal(100)
    journal.record(record('GET', `/instances/${A}/orgs/${A}/invites?x=1`, 1000))
    journal.record(record('POST', `/instances/${A.toUpperCase()}/orgs/${B}/invites`, 2000))
    journal.record(record('GET', `/instances/${B}/orgs/${B}/invites`, 3000))
    journal.record(record('GET', '/invites', 4000))
    const paths = (filter: Parameters<Journal['list']>[0]) => journal.list(filter).map((e) => `${e.method} ${e.time}`)
    assert.deepEqual(paths({ method: 'post' }), ['POST 1970-01-01T00:00:02.000Z'])
    assert.deepEqual(paths({ orgId: B }).length, 2)
    assert.deepEqual(paths({ instanceId: A, orgId: B }), ['POST 1970-01-01T00:00:02.000Z'])
    assert.deepEqual(paths({ path: '/instances/*/invites' }).length, 3)
    assert.deepEqual(paths({ path: '/INVITES' }), ['GET 1970-01-01T00:00:04.000Z'])
    assert.deepEqual(paths({ since: '1970-01-01T00:00:03.000Z' }).length, 2)
    assert.deepEqual(paths({ since: new Date(3000), limit: 1 }), ['GET 1970-01-01T00:00:04.000Z'])
    const first = journal.list({ instanceId: A, orgId: A })[0]!
    assert.deepEqual([first.path, first.instanceId, first.orgId], [`/instances/${A}/orgs/${A}/invites`, A, A])
    assert.equal(journal.list({ path: '/invites' })[0]!.instanceId, undefined)
    assert.throws(() => journal.list({ path: '{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}' }), MatchError)
    assert.throws(() => journal.list({ since: 'yesterday' }), RangeError)
  })

  test('remove takes only the matches (the newest `limit` when given); clear takes all', () => {
    const journal = new Journal(100)
    for (let i = 0; i < 3; i++) {
      journal.record(record('GET', `/instances/${A}/orgs/${A}/invites`))
      journal.record(record('GET', `/instances/${A}/orgs/${B}/invites`))
    }
    assert.equal(journal.remove({ orgId: A, limit: 2 }), 2)
    assert.equal(journal.list({ orgId: A }).length, 1)
    assert.equal(journal.remove({ orgId: A }), 1)
    assert.equal(journal.list().length, 3)
    assert.ok(journal.list().every((e) => e.orgId === B))
    assert.equal(journal.remove({ orgId: A }), 0)
    journal.clear()
    assert.deepEqual(journal.list(), [])
  })
})
