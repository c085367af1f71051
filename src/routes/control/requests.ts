import { Readable } from 'node:stream'
import type { FastifyReply } from 'fastify'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errors } from '../../errors.js'
import type { RequestFilter } from '../../harness/journal.js'
import { JournalStream, type StreamClient } from '../../harness/journal-stream.js'
import { compileMatch, MatchError } from '../../harness/match.js'
import { ErrorSchema } from '../../schemas/error.js'
import {
  JournalEntrySchema,
  JournalSettingsSchema,
  RemovedSchema,
  type RequestQuery,
  RequestQuerySchema,
  RequestStreamQuerySchema
} from '../../schemas/harness.js'

const admin = { access: 'admin' } as const

/** The request journal (src/harness): what clients sent to the Losant routes, newest first. */
const requestRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { journal, settings } = app.harness

  app.get('/requests/settings', {
    schema: {
      summary: 'How the journal treats the web UI\'s own requests: `recordUi` false (the default) leaves them out',
      tags: ['control'],
      response: { 200: JournalSettingsSchema, 401: ErrorSchema }
    },
    config: { policy: admin }
  }, async () => ({ recordUi: settings.recordUi }))

  app.put('/requests/settings', {
    schema: {
      summary: 'Sets whether the journal records the web UI\'s own requests (marked `client: "ui"`); they never use a fault either way',
      tags: ['control'],
      body: JournalSettingsSchema,
      response: { 200: JournalSettingsSchema, 400: ErrorSchema, 401: ErrorSchema }
    },
    config: { policy: { access: 'admin', body: { name: '', required: true } } }
  }, async (request) => {
    settings.recordUi = request.body.recordUi
    return { recordUi: settings.recordUi }
  })

  app.get('/requests', {
    schema: {
      summary: 'Lists recorded requests to the Losant routes, newest first; empty when the journal is off',
      tags: ['control'],
      querystring: RequestQuerySchema,
      response: { 200: Type.Array(JournalEntrySchema), 400: ErrorSchema, 401: ErrorSchema }
    },
    config: { policy: admin }
  }, async (request) => badGlobAs400(() => journal.list(toFilter(request.query))))

  app.delete('/requests', {
    schema: {
      summary: 'Removes the recorded requests that match the filters (all without filters)',
      tags: ['control'],
      querystring: RequestQuerySchema,
      response: { 200: RemovedSchema, 400: ErrorSchema, 401: ErrorSchema }
    },
    config: { policy: admin }
  }, async (request) => ({ success: true as const, removed: badGlobAs400(() => journal.remove(toFilter(request.query))) }))

  const live = new JournalStream(journal)
  // An open stream would keep the server from closing: they end first.
  app.addHook('preClose', async () => { live.endAll() })

  app.get('/requests/stream', {
    schema: {
      summary: 'The request journal, live: server-sent events, one `request` event per recorded request that matches the filters (id: the entry\'s id; data: the entry as GET /_emulator/requests lists it); with `after` or Last-Event-ID, the matching entries still kept past that id come first',
      tags: ['control'],
      querystring: RequestStreamQuerySchema,
      response: {
        200: { title: 'the journal as server-sent events, open until the client or the server closes the stream', content: { 'text/event-stream': { schema: Type.String() } } },
        400: ErrorSchema,
        401: ErrorSchema
      }
    },
    config: { policy: admin }
  }, async (request, reply) => {
    const filter = toFilter(request.query)
    const matches = badGlobAs400(() => compileMatch(filter))
    // Pushed to as events come (src/harness/journal-stream.ts); Fastify pipes it to the client.
    const stream = new Readable({ read () {} })
    const response = reply.raw
    const client: StreamClient = {
      matches,
      filterKey: JSON.stringify([filter.method, filter.path, filter.instanceId, filter.orgId]),
      send: (bytes) => {
        const waiting = stream.readableLength + response.writableLength
        stream.push(bytes)
        return waiting
      },
      end: () => { stream.push(null) },
      // The connection itself: the response would wait for the client to read what it holds.
      drop: () => { request.raw.socket.destroy() }
    }
    // The first bytes (the client sees the stream open), and the delay before an EventSource reconnects.
    stream.push('retry: 1000\n\n')
    const lastEventId = request.headers['last-event-id']
    const after = typeof lastEventId === 'string' && /^[0-9]{1,16}$/.test(lastEventId) ? lastEventId : request.query.after
    const stop = live.add(client)
    if (after !== undefined) live.sendNow(client, journal.list(filter).reverse().filter((entry) => entry.id > Number(after)))
    stream.once('close', stop)
    response.once('close', () => {
      stop()
      stream.destroy()
    })
    // Untyped: a stream is sent as it is, never serialized.
    return (reply as FastifyReply)
      .header('content-type', 'text/event-stream; charset=utf-8')
      .header('cache-control', 'no-store')
      // nginx would otherwise hold the events in its buffer.
      .header('x-accel-buffering', 'no')
      .send(stream)
  })
}

function toFilter (query: RequestQuery): RequestFilter {
  const filter: RequestFilter = {}
  if (query.method !== undefined) filter.method = query.method
  if (query.path !== undefined) filter.path = query.path
  if (query.instanceId !== undefined) filter.instanceId = query.instanceId
  if (query.orgId !== undefined) filter.orgId = query.orgId
  if (query.since !== undefined) filter.since = query.since
  if (query.limit !== undefined) filter.limit = Number(query.limit)
  return filter
}

function badGlobAs400<T> (run: () => T): T {
  try {
    return run()
  } catch (error) {
    throw error instanceof MatchError ? errors.validation(error.message) : error
  }
}

export default requestRoutes
