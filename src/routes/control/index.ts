import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errors } from '../../errors.js'
import { newObjectId } from '../../ids.js'
import { ErrorSchema } from '../../schemas/error.js'
import {
  HealthSchema,
  InstanceCreateSchema,
  InstanceParamsSchema,
  InstanceSchema,
  OrgCreateSchema,
  OrgSchema,
  TokenRequestSchema,
  TokenSchema
} from '../../schemas/control.js'
import { StoreConflictError } from '../../store/types.js'
import { VERSION } from '../../version.js'
import { normalizeId } from '../losant/lookup.js'

const errorResponses = { 400: ErrorSchema, 401: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema }

function conflictToError (error: unknown): unknown {
  return error instanceof StoreConflictError ? errors.conflict(error.message) : error
}

/** The emulator's own control plane, under `/_emulator`: set-up for tests and local use. */
const controlRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { store, tokens, clock } = app.emulator

  app.get('/health', {
    schema: { summary: 'Liveness and readiness: 200 once the store is open', tags: ['control'], response: { 200: HealthSchema } },
    config: { policy: { access: 'public' } }
  }, async () => ({ status: 'ok' as const, version: VERSION }))

  app.post('/instances', {
    schema: {
      summary: 'Creates an instance (id generated when absent)',
      tags: ['control'],
      body: InstanceCreateSchema,
      response: { 201: InstanceSchema, ...errorResponses }
    },
    config: { policy: { access: 'admin', body: { name: '', required: false } } }
  }, async (request, reply) => {
    const id = normalizeId(request.body.id ?? newObjectId(clock.now()))
    try {
      const instance = store.createInstance({ id, name: request.body.name ?? `Instance ${id}` })
      reply.code(201)
      return instance
    } catch (error) {
      throw conflictToError(error)
    }
  })

  app.post('/instances/:instanceId/orgs', {
    schema: {
      summary: 'Creates an organization in an instance (id generated when absent)',
      tags: ['control'],
      params: InstanceParamsSchema,
      body: OrgCreateSchema,
      response: { 201: OrgSchema, ...errorResponses }
    },
    config: { policy: { access: 'admin', body: { name: '', required: false } } }
  }, async (request, reply) => {
    const instanceId = normalizeId(request.params.instanceId)
    if (store.getInstance(instanceId) === undefined) throw errors.notFound('Instance')
    const id = normalizeId(request.body.id ?? newObjectId(clock.now()))
    try {
      const org = store.createOrg({ instanceId, id, name: request.body.name ?? `Organization ${id}` })
      reply.code(201)
      return org
    } catch (error) {
      throw conflictToError(error)
    }
  })

  app.post('/tokens', {
    schema: {
      summary: 'Mints a bearer token with the given scopes',
      tags: ['control'],
      body: TokenRequestSchema,
      response: { 201: TokenSchema, ...errorResponses }
    },
    config: { policy: { access: 'admin', body: { name: '', required: true } } }
  }, async (request, reply) => {
    const { scope, instanceId, expiresIn } = request.body
    reply.code(201)
    return tokens.mint({
      scope,
      ...(instanceId === undefined ? {} : { instanceId: normalizeId(instanceId) }),
      ...(expiresIn === undefined ? {} : { expiresIn })
    })
  })
}

export default controlRoutes
