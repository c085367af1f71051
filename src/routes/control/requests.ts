import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errors } from '../../errors.js'
import type { RequestFilter } from '../../harness/journal.js'
import { MatchError } from '../../harness/match.js'
import { ErrorSchema } from '../../schemas/error.js'
import { JournalEntrySchema, RemovedSchema, type RequestQuery, RequestQuerySchema } from '../../schemas/harness.js'

const admin = { access: 'admin' } as const

/** The request journal (src/harness): what clients sent to the Losant routes, newest first. */
const requestRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { journal } = app.harness

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
