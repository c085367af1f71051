import { PassThrough } from 'node:stream'
import type { FastifyReply } from 'fastify'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { type Changes, ChangesSchema } from '../../schemas/control.js'
import { ErrorSchema } from '../../schemas/error.js'

const admin = { access: 'admin' } as const

/** How often the versions are compared while a stream is open: a change is sent within this. */
const CHECK_MS = 200
/** A comment line this often keeps proxies from closing an idle stream. */
const KEEP_ALIVE_MS = 15_000
/** Events are a few hundred bytes: a client this far behind is not reading; it is dropped, and reloads when it reconnects. */
const MAX_UNREAD_STREAM_BYTES = 64 * 1024

/**
 * What the web UI follows to stay current (docs/API.md, the control plane): a version per
 * part of the state, as JSON or live. The versions are read from their owners (the store's
 * data version, the fault list's, the journal's newest id and length, the clock's offset)
 * and compared a few times a second, only while a stream is open: every writer is covered,
 * a burst of writes is one event, and with no page open this costs nothing.
 */
const changeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { emulator, harness } = app

  const current = (): Changes => ({
    data: emulator.store.dataVersion(),
    faults: harness.faults.version,
    journal: { lastId: harness.journal.lastId, length: harness.journal.length },
    clock: emulator.clockState()
  })
  /** Everything but the clock's `now`, which moves by itself. */
  const keyOf = (changes: Changes): string =>
    `${changes.data}|${changes.faults}|${changes.journal.lastId}|${changes.journal.length}|${changes.clock.offsetMs}`
  const eventOf = (changes: Changes): string => `event: change\ndata: ${JSON.stringify(changes)}\n\n`

  app.get('/changes', {
    schema: {
      summary: 'A version for each part of the state (data, faults, journal, clock); each changes whenever its part does',
      tags: ['control'],
      response: { 200: ChangesSchema, 401: ErrorSchema }
    },
    config: { policy: admin }
  }, async () => current())

  const streams = new Map<PassThrough, (text: string) => void>()
  let lastKey = ''
  let checker: ReturnType<typeof setInterval> | undefined
  const check = (): void => {
    const changes = current()
    const key = keyOf(changes)
    if (key === lastKey) return
    lastKey = key
    const event = eventOf(changes)
    for (const write of streams.values()) write(event)
  }
  // An open stream would keep the server from closing: they end first, and no version is
  // read again (the store closes next).
  let closing = false
  app.addHook('preClose', async () => {
    closing = true
    clearInterval(checker)
    checker = undefined
    for (const stream of streams.keys()) stream.end()
  })

  app.get('/changes/stream', {
    schema: {
      summary: 'The same versions, live: server-sent events, a `change` event at once and then within 200 ms of every change',
      tags: ['control'],
      response: {
        200: { title: 'the versions as server-sent events, open until the client or the server closes the stream', content: { 'text/event-stream': { schema: Type.String() } } },
        401: ErrorSchema
      }
    },
    config: { policy: admin }
  }, async (request, reply) => {
    const stream = new PassThrough()
    const write = (text: string): void => {
      stream.write(text)
      // The connection itself: the response would wait for the client to read what it holds.
      if (stream.writableLength > MAX_UNREAD_STREAM_BYTES) request.raw.socket.destroy()
    }
    // The delay before an EventSource reconnects, and where this client starts from.
    const changes = current()
    write(`retry: 1000\n\n${eventOf(changes)}`)
    if (streams.size === 0) lastKey = keyOf(changes)
    streams.set(stream, write)
    if (!closing) checker ??= setInterval(check, CHECK_MS)
    const keepAlive = setInterval(() => write(': keep-alive\n\n'), KEEP_ALIVE_MS)
    stream.once('close', () => {
      clearInterval(keepAlive)
      streams.delete(stream)
      if (streams.size === 0) {
        clearInterval(checker)
        checker = undefined
      }
    })
    reply.raw.once('close', () => stream.destroy())
    // Untyped: a stream is sent as it is, never serialized.
    return (reply as FastifyReply)
      .header('content-type', 'text/event-stream; charset=utf-8')
      .header('cache-control', 'no-store')
      // nginx would otherwise hold the events in its buffer.
      .header('x-accel-buffering', 'no')
      .send(stream)
  })
}

export default changeRoutes
