import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errors } from '../../errors.js'
import { FaultSpecError } from '../../harness/faults.js'
import { ErrorSchema } from '../../schemas/error.js'
import { FaultParamsSchema, FaultSchema, FaultSpecSchema, RemovedSchema } from '../../schemas/harness.js'
import { SuccessSchema } from '../../schemas/success.js'

const admin = { access: 'admin' } as const

/** Deterministic fault injection (src/harness): where faults apply is written in src/harness/index.ts. */
const faultRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { faults } = app.harness

  app.post('/faults', {
    schema: {
      summary: 'Adds a fault for the next `times` matching requests to the Losant routes (a delay, a status, or a dropped connection)',
      tags: ['control'],
      body: FaultSpecSchema,
      response: { 201: FaultSchema, 400: ErrorSchema, 401: ErrorSchema }
    },
    config: { policy: { access: 'admin', body: { name: 'fault', required: true } } }
  }, async (request, reply) => {
    let fault
    try {
      fault = faults.add(request.body)
    } catch (error) {
      throw error instanceof FaultSpecError ? errors.validation(error.message) : error
    }
    return reply.code(201).send(fault)
  })

  app.get('/faults', {
    schema: { summary: 'Lists the faults in creation order, with the count left', tags: ['control'], response: { 200: Type.Array(FaultSchema), 401: ErrorSchema } },
    config: { policy: admin }
  }, async () => faults.list())

  app.delete('/faults', {
    schema: { summary: 'Removes every fault', tags: ['control'], response: { 200: RemovedSchema, 401: ErrorSchema } },
    config: { policy: admin }
  }, async () => ({ success: true as const, removed: faults.clear() }))

  app.delete('/faults/:faultId', {
    schema: { summary: 'Removes one fault', tags: ['control'], params: FaultParamsSchema, response: { 200: SuccessSchema, 400: ErrorSchema, 401: ErrorSchema, 404: ErrorSchema } },
    config: { policy: admin }
  }, async (request) => {
    if (!faults.remove(request.params.faultId)) throw errors.notFound('Fault')
    return { success: true as const }
  })
}

export default faultRoutes
