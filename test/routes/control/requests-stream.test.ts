import assert from 'node:assert/strict'
import { type IncomingMessage, request as httpRequest } from 'node:http'
import { describe, test, type TestContext } from 'node:test'
import { startEmulator, type RunningEmulator } from '../../../src/index.js'

const INSTANCE = '575ec8687ae143cd83dc4a97'
const ORG = '575ec8687ae143cd83dc4a98'
const OTHER_ORG = '575ec8687ae143cd83dc4a99'
const seed = { instances: [{ id: INSTANCE, orgs: [{ id: ORG }, { id: OTHER_ORG }] }] }

interface Event { id?: string, event?: string, data?: string, retry?: string }

/** An open stream: its events as they arrive, parsed from the raw text/event-stream bytes. */
async function openStream (t: TestContext, emulator: RunningEmulator, query = '', headers: Record<string, string> = {}) {
  const abort = new AbortController()
  t.after(() => abort.abort())
  const response = await fetch(`${emulator.url}/_emulator/requests/stream${query}`, { headers, signal: abort.signal })
  const events: Event[] = []
  let waiter: (() => void) | undefined
  let ended = false
  const reading = (async () => {
    let buffer = ''
    const decoder = new TextDecoder()
    try {
      for await (const chunk of response.body!) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true })
        let at
        while ((at = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, at)
          buffer = buffer.slice(at + 2)
          const event: Event = {}
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue
            const colon = line.indexOf(': ')
            event[line.slice(0, colon) as keyof Event] = line.slice(colon + 2)
          }
          if (Object.keys(event).length > 0) events.push(event)
          waiter?.()
        }
      }
    } catch {}
    ended = true
    waiter?.()
  })()
  const hasEnded = (): boolean => ended
  /** Waits until `count` events have arrived (or the stream ended). */
  const until = async (count: number, timeoutMs = 5000): Promise<Event[]> => {
    const deadline = Date.now() + timeoutMs
    while (events.length < count && !hasEnded() && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        waiter = resolve
        setTimeout(resolve, 50)
      })
    }
    return events.slice(0, count)
  }
  return { response, events, until, reading, ended: hasEnded, abort }
}

async function start (t: TestContext, options: Parameters<typeof startEmulator>[0] = {}): Promise<{ emulator: RunningEmulator, get: (path: string) => Promise<number> }> {
  const emulator = await startEmulator({ seed, ...options })
  t.after(() => emulator.stop())
  const { token } = await emulator.mintToken({ scope: ['all.Instance'] })
  const get = async (path: string): Promise<number> => (await fetch(`${emulator.url}${path}`, { headers: { authorization: `Bearer ${token}` } })).status
  return { emulator, get }
}

describe('control plane: GET /_emulator/requests/stream', () => {
  test('server-sent events: each new journal entry, as GET /requests lists it, with its id', async (t) => {
    const { emulator, get } = await start(t)
    const stream = await openStream(t, emulator)
    assert.equal(stream.response.status, 200)
    assert.equal(stream.response.headers.get('content-type'), 'text/event-stream; charset=utf-8')
    assert.equal(stream.response.headers.get('cache-control'), 'no-store')
    assert.deepEqual(await stream.until(1), [{ retry: '1000' }])
    assert.equal(await get(`/instances/${INSTANCE}/orgs/${ORG}/invites`), 200)
    assert.equal(await get('/nope'), 404)
    const [, first, second] = await stream.until(3)
    const listed = await emulator.requests()
    assert.deepEqual([first, second].map((e) => e?.event), ['request', 'request'])
    assert.deepEqual([JSON.parse(first!.data!), JSON.parse(second!.data!)], [listed[1], listed[0]])
    assert.deepEqual([first!.id, second!.id], [String(listed[1]!.id), String(listed[0]!.id)])
  })

  test('only what matches the filters; with `after`, the kept entries past it come first', async (t) => {
    const { emulator, get } = await start(t)
    await get(`/instances/${INSTANCE}/orgs/${ORG}/invites`)
    await get(`/instances/${INSTANCE}/orgs/${OTHER_ORG}/invites`)
    await get(`/instances/${INSTANCE}/orgs/${ORG}/invites?sortField=email`)
    const [newest, , oldest] = await emulator.requests()
    const stream = await openStream(t, emulator, `?orgId=${ORG}&method=get&after=${oldest!.id}`)
    await get(`/instances/${INSTANCE}/orgs/${OTHER_ORG}/invites`)
    await fetch(`${emulator.url}/instances/${INSTANCE}/orgs/${ORG}/invites`, { method: 'POST' })
    await get(`/instances/${INSTANCE}/orgs/${ORG}/invites?sortField=role`)
    const events = await stream.until(3)
    const entries = events.slice(1).map((e) => JSON.parse(e.data!))
    assert.deepEqual(entries.map((e) => e.id), [newest!.id, (await emulator.requests({ orgId: ORG, method: 'GET' }))[0]!.id])
    assert.deepEqual(entries.map((e) => e.query), [{ sortField: 'email' }, { sortField: 'role' }])
  })

  test('a reconnecting client\'s Last-Event-ID wins over `after`', async (t) => {
    const { emulator, get } = await start(t)
    for (let i = 0; i < 3; i++) await get(`/instances/${INSTANCE}/orgs/${ORG}/invites?n=${i}`)
    const [, middle] = await emulator.requests()
    const stream = await openStream(t, emulator, '?after=0', { 'last-event-id': String(middle!.id) })
    const [, only] = await stream.until(2)
    assert.deepEqual(JSON.parse(only!.data!).query, { n: '2' })
    await new Promise((resolve) => setTimeout(resolve, 100))
    assert.equal(stream.events.length, 2)
  })

  test('bad filters are 400 before the stream opens; the admin token is required when set', async (t) => {
    const { emulator } = await start(t, { adminToken: 'sesame' })
    const auth = { authorization: 'Bearer sesame' }
    const cases: Array<[string, Record<string, string>, number, string]> = [
      ['', {}, 401, 'The control plane requires the admin token: Authorization: Bearer <admin token>'],
      ['?orgid=575ec8687ae143cd83dc4a98', auth, 400, 'query has additional properties (orgid)'],
      ['?after=-1', auth, 400, 'after pattern mismatch'],
      [`?path=${encodeURIComponent('{a,b}'.repeat(6))}`, auth, 400, 'path has more than 32 brace alternatives']
    ]
    for (const [query, headers, status, message] of cases) {
      const response = await fetch(`${emulator.url}/_emulator/requests/stream${query}`, { headers })
      assert.deepEqual([response.status, ((await response.json()) as { message: string }).message], [status, message], query)
    }
    const stream = await openStream(t, emulator, '', auth)
    assert.equal(stream.response.status, 200)
  })

  test('stopping the emulator ends open streams at once', async (t) => {
    const emulator = await startEmulator({ seed })
    const stream = await openStream(t, emulator)
    await stream.until(1)
    const started = Date.now()
    await emulator.stop()
    await stream.reading
    assert.ok(stream.ended())
    assert.ok(Date.now() - started < 2000, `stopped in ${Date.now() - started} ms`)
  })

  test('a client that stops reading is disconnected once 1 MiB is waiting for it', async (t) => {
    const { emulator } = await start(t)
    // A raw client that does not read until the flood is over.
    const response = await new Promise<IncomingMessage>((resolve) => httpRequest(`${emulator.url}/_emulator/requests/stream`, resolve).end())
    assert.equal(response.statusCode, 200)
    response.pause()
    // Watched from now: the server may drop it while the flood is still going.
    const closed = new Promise<void>((resolve) => response.once('close', resolve))
    // 300 journaled bodies of 60 KB: 18 MB, far more than the socket buffers and the bound hold.
    const body = JSON.stringify({ email: `${'a'.repeat(60_000)}@example.com`, role: 'view' })
    for (let i = 0; i < 15; i++) {
      await Promise.all(Array.from({ length: 20 }, async () => {
        await (await fetch(`${emulator.url}/instances/${INSTANCE}/orgs/${ORG}/invites`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).arrayBuffer()
      }))
    }
    // Reading now: what was buffered before the server gave up, then the end.
    let text = ''
    response.setEncoding('utf8')
    response.on('data', (chunk: string) => { text += chunk })
    response.resume()
    await new Promise<void>((resolve, reject) => {
      closed.then(resolve, reject)
      setTimeout(() => reject(new Error(`the stream is still open after ${text.length} bytes`)), 10_000).unref()
    })
    const events = text.split('\n\n').filter((block) => block.includes('event: request')).length
    t.diagnostic(`${events} of 300 events reached the client before the server dropped it`)
    assert.ok(events > 0 && events < 300, `${events} events`)
    assert.equal((await fetch(`${emulator.url}/_emulator/health`)).status, 200)
  })
})
