import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { FaultList, FaultSpecError, parseFaultSpec } from '../../src/harness/faults.js'
import { requestKey } from '../../src/harness/match.js'

const A = 'aaaaaaaaaaaaaaaaaaaaaaaa'
const B = 'bbbbbbbbbbbbbbbbbbbbbbbb'
const key = (method: string, url: string) => requestKey(method, url)

describe('FaultList', () => {
  test('the first matching fault with a count left applies, in creation order; counts run down', () => {
    const faults = new FaultList()
    const first = faults.add({ path: '/instances/**', orgId: A, status: 503, times: 2 })
    const second = faults.add({ path: '*', status: 500 })
    assert.deepEqual(first, { id: 'f1', path: '/instances/**', orgId: A, times: 2, remaining: 2, status: 503 })
    const orgA = key('GET', `/instances/${B}/orgs/${A}/invites`)
    assert.equal(faults.take(orgA)?.id, first.id)
    assert.equal(faults.take(key('GET', `/instances/${B}/orgs/${B}/invites`))?.id, second.id)
    assert.equal(faults.take(orgA)?.id, first.id)
    assert.equal(faults.take(orgA), undefined)
    assert.deepEqual(faults.list().map((f) => [f.id, f.remaining]), [['f1', 0], ['f2', 0]])
  })

  test('method is matched case-insensitively; instanceId as well', () => {
    const faults = new FaultList()
    faults.add({ method: 'post', path: '*', instanceId: A.toUpperCase(), delayMs: 5 })
    assert.equal(faults.take(key('GET', `/instances/${A}/orgs/${B}/invites`)), undefined)
    assert.equal(faults.take(key('POST', `/instances/${B}/orgs/${B}/invites`)), undefined)
    assert.equal(faults.take(key('POST', `/instances/${A}/orgs/${B}/invites`))?.delayMs, 5)
  })

  test('combinations that mean nothing are refused', () => {
    const faults = new FaultList()
    const cases: Array<[object, string]> = [
      [{ path: '*' }, 'a fault needs delayMs, status or reset'],
      [{ path: '*', reset: true, status: 500 }, 'reset cannot be combined with status or body'],
      [{ path: '*', body: { a: 1 } }, 'body needs a status'],
      [{ path: '*', status: 204 }, 'status below 400 needs a body'],
      [{ path: '{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}', status: 500 }, 'path has more than 32 brace alternatives']
    ]
    for (const [spec, message] of cases) {
      assert.throws(() => faults.add(parseFaultSpec(spec)), (error: unknown) => error instanceof FaultSpecError && error.message === message, message)
    }
    assert.ok(faults.empty)
  })

  test('parseFaultSpec checks the route schema', () => {
    assert.throws(() => parseFaultSpec({ status: 500 }), /: fault\.path is required$/)
    assert.throws(() => parseFaultSpec({ path: '*', times: 0, status: 500 }), /: fault\.times is less than minimum$/)
    assert.throws(() => parseFaultSpec({ path: '*', status: 500, extra: 1 }), /: fault has additional properties \(extra\)$/)
  })

  test('remove and clear', () => {
    const faults = new FaultList()
    const one = faults.add({ path: '*', status: 500 })
    faults.add({ path: '*', status: 502 })
    assert.equal(faults.remove(one.id), true)
    assert.equal(faults.remove(one.id), false)
    assert.equal(faults.clear(), 1)
    assert.ok(faults.empty)
    // Ids are never reused, so a stale id cannot remove a newer fault.
    assert.equal(faults.add({ path: '*', status: 500 }).id, 'f3')
  })
})
