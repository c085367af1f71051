import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { connect, type Socket } from 'node:net'
import { describe, test, type TestContext } from 'node:test'
import { startEmulator } from '../src/index.js'
import { installConnectionHandling } from '../src/connections.js'
import { startServer } from './processes.js'
import { ensureUiBuilt } from './ui/support.js'

/**
 * Answers a client must get however the connection is used: a body over the limit (or
 * without the admin token) is refused with its 413 (or 401) while the client is still
 * sending, whatever the body's size; a client that half-closes after its request still
 * gets the answer.
 */

const I = '575ec8687ae143cd83dc4a97'
const O = '575ec8687ae143cd83dc4a98'
const MiB = 1024 * 1024
const TOO_LARGE = { type: 'PayloadTooLarge', message: 'Request body is larger than the limit of 1048576 bytes' }
const ADMIN_REQUIRED = { type: 'Unauthorized', message: 'The control plane requires the admin token: Authorization: Bearer <admin token>' }

/** POSTs `body` through Node's fetch `times` times; each answer as status and body, or the error's code. */
async function postMany (url: string, body: Buffer, times: number): Promise<Array<{ status: number, body: unknown } | string>> {
  const answers = []
  for (let i = 0; i < times; i++) {
    try {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
      answers.push({ status: response.status, body: await response.json() })
    } catch (error) {
      answers.push(String((error as { cause?: { code?: string } }).cause?.code ?? error))
    }
  }
  return answers
}

describe('a body over the limit gets its answer, not a broken connection (the real server, through fetch)', () => {
  for (const size of [5, 20]) {
    test(`${size} MiB to the invites: 413 PayloadTooLarge, ten times out of ten`, async (t) => {
      const server = await startServer(t, ['--db', ':memory:'])
      const answers = await postMany(`${server.url}/instances/${I}/orgs/${O}/invites`, Buffer.alloc(size * MiB, 0x20), 10)
      assert.deepEqual(answers, Array.from({ length: 10 }, () => ({ status: 413, body: TOO_LARGE })))
    })

    test(`${size} MiB to the control plane without the admin token: 401, ten times out of ten`, async (t) => {
      const server = await startServer(t, ['--db', ':memory:', '--admin-token', 'connections-admin'])
      const answers = await postMany(`${server.url}/_emulator/instances`, Buffer.alloc(size * MiB, 0x20), 10)
      assert.deepEqual(answers, Array.from({ length: 10 }, () => ({ status: 401, body: ADMIN_REQUIRED })))
    })
  }

  test('the connection goes on: after the 413 and the rest of the body, the next request on it is answered', async (t) => {
    const server = await startServer(t, ['--db', ':memory:'])
    const socket = rawConnection(t, Number(new URL(server.url).port))
    socket.write(`POST /instances/${I}/orgs/${O}/invites HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${5 * MiB}\r\n\r\n`)
    await socket.answer(/\r\n\r\n.*PayloadTooLarge.*\}/s)
    socket.write(Buffer.alloc(5 * MiB, 0x20))
    socket.write('GET /_emulator/health HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n')
    const text = await socket.answer(/HTTP\/1\.1 200 OK[\s\S]*"status":"ok"/)
    assert.match(text, /^HTTP\/1\.1 413 Payload Too Large\r\n/)
    assert.doesNotMatch(text.split('\r\n\r\n')[0]!, /connection: close/i)
  })
})

describe('reading what is left of the body is bounded', () => {
  /** A server that refuses every request at once, without reading its body, with the connection handling under test. */
  async function refusingServer (t: TestContext, limits: { ms: number, bytes: number }): Promise<number> {
    const server = createServer((_request, response) => {
      response.writeHead(413, { 'content-type': 'text/plain', 'content-length': 9 }).end('too large')
    })
    installConnectionHandling(server, limits)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    t.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
    return (server.address() as { port: number }).port
  }

  // Bounded by the test's timeout: without the size bound the client would send its 10 GiB.
  test('past the size bound the connection is closed; the answer came first', { timeout: 120_000 }, async (t) => {
    const port = await refusingServer(t, { ms: 600_000, bytes: MiB })
    const socket = rawConnection(t, port)
    socket.write(`POST / HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: ${10 * 1024 * MiB}\r\n\r\n`)
    await socket.answer(/too large/)
    const chunk = Buffer.alloc(MiB)
    while (!socket.closed()) {
      socket.write(chunk)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    assert.match(socket.text(), /^HTTP\/1\.1 413 Payload Too Large\r\n[\s\S]*too large$/)
  })

  test('past the time bound the connection is closed', async (t) => {
    const port = await refusingServer(t, { ms: 200, bytes: 100 * MiB })
    const socket = rawConnection(t, port)
    socket.write(`POST / HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: ${10 * MiB}\r\n\r\n0123456789`)
    await socket.answer(/too large/)
    await socket.whenClosed
  })
})

describe('a client that half-closes after its request still gets the answer', () => {
  test('the web UI\'s files (read from disk) and an API answer, each on a connection whose client sent FIN', async (t) => {
    ensureUiBuilt()
    const emulator = await startEmulator()
    t.after(() => emulator.stop())
    const port = emulator.port
    const page = readFileSync('dist/ui/index.html', 'utf8')
    for (const [path, expected] of [['/_emulator/ui/', page], ['/_emulator/ui/index.html', page], ['/_emulator/health', '"status":"ok"']] as const) {
      const socket = rawConnection(t, port)
      socket.end(`GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n`)
      await socket.whenClosed
      const text = socket.text()
      assert.match(text, /^HTTP\/1\.1 200 OK\r\n/, path)
      assert.ok(text.endsWith(expected) || (path === '/_emulator/health' && text.includes(expected)), `${path}: the whole answer`)
    }
  })
})

interface RawConnection {
  write: (data: string | Buffer) => void
  end: (data: string) => void
  /** Everything received so far, as text. */
  text: () => string
  /** Resolves (to everything received) once what was received matches. */
  answer: (pattern: RegExp) => Promise<string>
  closed: () => boolean
  whenClosed: Promise<void>
}

function rawConnection (t: TestContext, port: number): RawConnection {
  const socket: Socket = connect({ host: '127.0.0.1', port })
  t.after(() => { socket.destroy() })
  let received = ''
  let closed = false
  const waiters = new Set<() => void>()
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1')
    for (const waiter of waiters) waiter()
  })
  // A reset while the client still writes is one way the connection ends: what matters is what arrived.
  socket.on('error', () => {})
  const whenClosed = new Promise<void>((resolve) => socket.once('close', () => {
    closed = true
    for (const waiter of waiters) waiter()
    resolve()
  }))
  return {
    write: (data) => { if (!socket.destroyed) socket.write(data) },
    end: (data) => { socket.end(data) },
    text: () => received,
    answer: async (pattern) => {
      while (!pattern.test(received)) {
        if (closed) assert.fail(`the connection closed before ${String(pattern)}: ${received.slice(0, 300)}`)
        await new Promise<void>((resolve) => { waiters.add(resolve) }).finally(() => waiters.clear())
      }
      return received
    },
    closed: () => closed,
    whenClosed
  }
}
