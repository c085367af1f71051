import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { describe, test } from 'node:test'
import { startEmulator } from '../src/index.js'
import { call, startServer, type RunningServer } from './processes.js'

/**
 * The stop on SIGTERM/SIGINT of the real server, and startEmulator().stop() (the README:
 * the same stop): no new connections, every answer already being written reaches its
 * client, idle keep-alive connections close at once, exit 0; past the grace period what is
 * left is cut (and counted in the log), still exit 0.
 */

const I = '575ec8687ae143cd83dc4a97'
const O = '575ec8687ae143cd83dc4a98'
const TOKEN = 'drain-test-token'
const INVITES = `/instances/${I}/orgs/${O}/invites`

/** An org whose listing is several MB: `count` invites with 1,000-character emails. */
async function bigOrg (server: { url: string }, count: number): Promise<void> {
  const invites = Array.from({ length: count }, (_, n) => ({ email: `${'s'.repeat(980)}${n}@drain.test`, role: 'view' }))
  const restored = await call(`${server.url}/_emulator/snapshot`, 'PUT', {
    instances: [{ id: I, orgs: [{ id: O, invites }] }],
    tokens: [{ token: TOKEN, scope: ['all.Instance'] }]
  })
  assert.equal(restored.status, 200)
}

interface RawClient {
  socket: Socket
  /** Every byte received so far. */
  received: () => Buffer
  /** Resolves once the whole header block has arrived. */
  headers: Promise<void>
  /** Resolves when the connection closes (ms since the client was made); a reader that stalls must readRest() to see it. */
  closed: Promise<number>
  /** From now on, reads everything as fast as it comes. */
  readRest: () => void
}

/**
 * One request on a raw keep-alive connection, read at most `bytesPerTick` every 10 ms
 * (Infinity: as fast as it comes). A reader that reads slowly leaves the
 * kernel's buffers full, so most of a large answer waits in the server.
 */
function rawGet (server: { url: string }, path: string, bytesPerTick: number): RawClient {
  const started = performance.now()
  const socket = connect({ host: '127.0.0.1', port: Number(new URL(server.url).port) })
  const chunks: Buffer[] = []
  let headersSeen: () => void
  const headers = new Promise<void>((resolve) => { headersSeen = resolve })
  const take = (chunk: Buffer): void => {
    chunks.push(chunk)
    if (Buffer.concat(chunks).includes('\r\n\r\n')) headersSeen()
  }
  const readRest = (): void => {
    clearInterval(timer)
    socket.on('data', take)
    socket.resume()
  }
  let timer: NodeJS.Timeout | undefined
  if (bytesPerTick === Infinity) {
    readRest()
  } else {
    socket.pause()
    timer = setInterval(() => {
      for (let budget = bytesPerTick; budget > 0;) {
        const chunk = socket.read() as Buffer | null
        if (chunk === null) break
        take(chunk)
        budget -= chunk.length
      }
    }, 10)
    socket.once('close', () => clearInterval(timer))
  }
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(performance.now() - started)))
  socket.on('error', () => {})
  socket.write(`GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${TOKEN}\r\nconnection: keep-alive\r\n\r\n`)
  return { socket, received: () => Buffer.concat(chunks), headers, closed, readRest }
}

/** The body of a complete HTTP/1.1 answer with a Content-Length, or a failure saying how much is missing. */
function completeBody (raw: Buffer): { body: Buffer, length: number } {
  const end = raw.indexOf('\r\n\r\n')
  assert.ok(end > 0, 'a header block')
  const length = Number(/\r\ncontent-length: (\d+)\r\n/i.exec(raw.subarray(0, end).toString())?.[1])
  const body = raw.subarray(end + 4)
  assert.equal(body.length, length, `received ${body.length} of ${length} body bytes`)
  return { body, length }
}

/**
 * A multi-MB listing whose reader has its headers and then reads 1 KB every 10 ms: it
 * could not finish for some 100 s, so the answer is still being sent at any stop.
 */
async function stalledListing (server: { url: string }): Promise<RawClient> {
  await bigOrg(server, 8000)
  const stalled = rawGet(server, INVITES, 1024)
  await stalled.headers
  return stalled
}

/** Resolves once the server has logged a line whose message matches. */
async function logLine (server: RunningServer, msg: RegExp): Promise<void> {
  while (logged(server, msg).length === 0) await new Promise((resolve) => setTimeout(resolve, 20))
}

function logged (server: RunningServer, msg: RegExp): Array<Record<string, unknown>> {
  return server.lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => msg.test(String(entry.msg)))
}

describe('stopping on SIGTERM', () => {
  test('a slow reader of a multi-MB listing receives every byte; an idle keep-alive connection closes at once; exit 0', async (t) => {
    // A grace period no loaded test machine reaches: the reader's pace decides.
    const server = await startServer(t, ['--db', ':memory:', '--shutdown-grace', '60000'])
    await bigOrg(server, 8000)
    // A keep-alive connection that has had its answer and sits idle.
    const idle = rawGet(server, '/_emulator/health', Infinity)
    await idle.headers

    const slow = rawGet(server, INVITES, 32 * 1024)
    await slow.headers
    const atSignal = slow.received().length
    const signalled = performance.now()
    server.child.kill('SIGTERM')

    const exitCode = await server.exited
    const exitMs = performance.now() - signalled
    await slow.closed
    const readMs = performance.now() - signalled
    const { body, length } = completeBody(slow.received())
    const listing = JSON.parse(body.toString()) as { count: number, items: unknown[] }
    assert.equal(listing.count, 8000)
    assert.equal(listing.items.length, 8000)
    assert.equal(exitCode, 0)
    assert.ok(atSignal < length / 2, `most of the answer was still to send at the signal (${atSignal} of ${length} bytes read)`)
    // The idle connection was closed long before the slow answer was through.
    const idleClosedAt = await idle.closed
    assert.ok(idleClosedAt < await slow.closed, 'the idle connection closed first')
    assert.deepEqual(logged(server, /^cut /), [])
    assert.equal(logged(server, /^stopped after \d+ ms$/).length, 1)
    t.diagnostic(`listing of ${length} bytes; ${atSignal} read at SIGTERM, all ${length} by ${readMs.toFixed(0)} ms after it; ` +
      `server exited 0 after ${exitMs.toFixed(0)} ms (it logged "${String(logged(server, /^stopped after/)[0]!.msg)}")`)
  })

  test('no new connection is accepted while the drain runs', async (t) => {
    const server = await startServer(t, ['--db', ':memory:'])
    const stalled = await stalledListing(server)
    server.child.kill('SIGTERM')
    await logLine(server, /^stopping$/)
    assert.equal(server.child.exitCode, null, 'still draining')
    // The listener closes as the stop begins (a few milliseconds after the line; longer on a
    // loaded machine). A connection made just before that may be accepted and then closed
    // unanswered (the client sees a socket error, not a refusal): try again until one is refused.
    let refused: string | undefined
    for (let attempt = 0; attempt < 250 && refused !== 'ECONNREFUSED'; attempt++) {
      try {
        await fetch(`${server.url}/_emulator/health`, { headers: { connection: 'close' } })
        refused = undefined
      } catch (error) {
        refused = (error as { cause?: { code?: string } }).cause?.code
      }
      if (refused !== 'ECONNREFUSED') await new Promise((resolve) => setTimeout(resolve, 20))
    }
    assert.equal(refused, 'ECONNREFUSED')
    stalled.readRest()
    assert.equal(await server.exited, 0)
    completeBody((await stalled.closed, stalled.received()))
  })

  test('past the grace period (LOSANT_EMULATOR_SHUTDOWN_GRACE) what is left is cut and counted; exit 0', async (t) => {
    const server = await startServer(t, ['--db', ':memory:'], { env: { LOSANT_EMULATOR_SHUTDOWN_GRACE: '500' } })
    const stalled = await stalledListing(server)
    const signalled = performance.now()
    server.child.kill('SIGTERM')
    assert.equal(await server.exited, 0)
    const exitMs = performance.now() - signalled
    stalled.readRest()
    await stalled.closed
    assert.throws(() => completeBody(stalled.received()), /received \d+ of \d+ body bytes/, 'the answer was cut short')
    const [cut] = logged(server, /^cut /)
    assert.equal(cut?.msg, 'cut 1 connection(s) still open after the grace period of 500 ms')
    assert.equal(cut?.cut, 1)
    t.diagnostic(`exited 0 after ${exitMs.toFixed(0)} ms with a 500 ms grace period`)
  })

  test('an open journal stream (the web UI) ends at once: nothing to wait for, nothing cut', async (t) => {
    const server = await startServer(t, ['--db', ':memory:'])
    const stream = await fetch(`${server.url}/_emulator/requests/stream`)
    assert.equal(stream.status, 200)
    const body = stream.text()
    server.child.kill('SIGTERM')
    assert.equal(await server.exited, 0)
    assert.match(await body, /^retry: 1000\n\n/)
    assert.deepEqual(logged(server, /^cut /), [])
  })

  // Bounded: the failure this guards against is a process that never ends.
  test('a server whose log reader is gone (stdout a broken pipe) still stops, exit 0', { timeout: 30_000 }, async (t) => {
    const server = await startServer(t, ['--db', ':memory:'])
    server.child.stdout!.destroy()
    await new Promise((resolve) => setTimeout(resolve, 200))
    server.child.kill('SIGTERM')
    assert.equal(await server.exited, 0)
  })

  test('a second signal cuts at once', async (t) => {
    const server = await startServer(t, ['--db', ':memory:'])
    const stalled = await stalledListing(server)
    server.child.kill('SIGTERM')
    await logLine(server, /^stopping$/)
    assert.equal(server.child.exitCode, null, 'draining, within the default 10 s grace period')
    server.child.kill('SIGINT')
    assert.equal(await server.exited, 0)
    stalled.readRest()
    await stalled.closed
    assert.equal(logged(server, /^cut /)[0]?.msg, 'cut 1 connection(s) still open on a second signal')
  })
})

describe('startEmulator().stop(): the same drain', () => {
  test('a slow reader of a multi-MB listing receives every byte before stop() resolves; an idle connection closes at once', async (t) => {
    const emulator = await startEmulator({ shutdownGraceMs: 60_000 })
    await bigOrg(emulator, 8000)
    const idle = rawGet(emulator, '/_emulator/health', Infinity)
    await idle.headers
    const slow = rawGet(emulator, INVITES, 32 * 1024)
    await slow.headers
    const atStop = slow.received().length
    let stopped = false
    const called = performance.now()
    const stopping = emulator.stop().then(() => { stopped = true })
    const idleClosedAt = await idle.closed
    await slow.closed
    const { body, length } = completeBody(slow.received())
    assert.equal(JSON.parse(body.toString()).items.length, 8000)
    assert.ok(atStop < length / 2, `most of the answer was still to send at stop() (${atStop} of ${length} bytes read)`)
    assert.ok(idleClosedAt < await slow.closed, 'the idle connection closed first')
    await stopping
    assert.ok(stopped)
    await assert.rejects(fetch(`${emulator.url}/_emulator/health`), 'the port is closed')
    t.diagnostic(`listing of ${length} bytes; ${atStop} read when stop() was called; stop() resolved ${(performance.now() - called).toFixed(0)} ms later, every byte read`)
  })

  test('past shutdownGraceMs what is left is cut, and stop() resolves', async () => {
    const emulator = await startEmulator({ shutdownGraceMs: 300 })
    const stalled = await stalledListing(emulator)
    await emulator.stop()
    stalled.readRest()
    await stalled.closed
    assert.throws(() => completeBody(stalled.received()), /received \d+ of \d+ body bytes/, 'the answer was cut short')
  })
})
