import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { errors } from '../../errors.js'
import { ErrorSchema } from '../../schemas/error.js'
import { ClockSchema, ClockSetSchema, OutboxMessageSchema, OutboxQuerySchema } from '../../schemas/control.js'
import { SuccessSchema } from '../../schemas/success.js'

const admin = { access: 'admin' } as const

/** The outbox (what the real service would have e-mailed) and the emulator's clock. */
const lifecycleControlRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { emulator } = app

  app.get('/outbox', {
    schema: { summary: 'Invite e-mails that would have been sent, newest first, each with what its links do now (`state`)', tags: ['control'], querystring: OutboxQuerySchema, response: { 200: Type.Array(OutboxMessageSchema), 400: ErrorSchema, 401: ErrorSchema } },
    config: { policy: admin }
  }, async (request) => emulator.outbox(request.query.email, request.query.limit === undefined ? undefined : Number(request.query.limit)))

  app.delete('/outbox', {
    schema: { summary: 'Empties the outbox', tags: ['control'], response: { 200: SuccessSchema, 401: ErrorSchema } },
    config: { policy: admin }
  }, async () => {
    emulator.store.clearOutbox()
    return { success: true as const }
  })

  app.get('/clock', {
    schema: { summary: 'The emulator\'s time and its offset from real time', tags: ['control'], response: { 200: ClockSchema, 401: ErrorSchema } },
    config: { policy: admin }
  }, async () => emulator.clockState())

  app.post('/clock', {
    schema: { summary: 'Moves the emulator\'s time: {offsetMs} or {now}; {offsetMs: 0} is real time', tags: ['control'], body: ClockSetSchema, response: { 200: ClockSchema, 400: ErrorSchema, 401: ErrorSchema } },
    config: { policy: { access: 'admin', body: { name: '', required: true } } }
  }, async (request) => {
    const { offsetMs, now } = request.body
    if ((offsetMs === undefined) === (now === undefined)) throw errors.validation('give exactly one of offsetMs and now')
    if (offsetMs !== undefined) emulator.clock.setOffset(offsetMs)
    else emulator.clock.setNow(Date.parse(now!))
    return emulator.clockState()
  })
}

export default lifecycleControlRoutes
