import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errors, storageProblemReason } from '../../errors.js'
import { newObjectId } from '../../ids.js'
import { ObjectIdSchema } from '../../schemas/common.js'
import { ErrorSchema } from '../../schemas/error.js'
import {
  HealthSchema,
  InstanceCreateSchema,
  InstanceParamsSchema,
  InstanceSchema,
  InstanceWithOrgsSchema,
  OrgCreateSchema,
  OrgSchema,
  TokenRequestSchema,
  TokenSchema
} from '../../schemas/control.js'
import { SnapshotSchema } from '../../schemas/snapshot.js'
import { SuccessSchema } from '../../schemas/success.js'
import { checkSnapshotUniqueness, SnapshotError } from '../../snapshot.js'
import { StoreConflictError } from '../../store/types.js'
import { VERSION } from '../../version.js'
import { normalizeId } from '../../domain/lookup.js'
import changeRoutes from './changes.js'
import faultRoutes from './faults.js'
import orgViewRoutes from './org-views.js'
import requestRoutes from './requests.js'
import lifecycleControlRoutes from './lifecycle.js'

const errorResponses = { 400: ErrorSchema, 401: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema }
const admin = { access: 'admin' } as const
const withBody = (required: boolean) => ({ access: 'admin', body: { name: '', required } }) as const

/** Snapshots hold every invite; they may be far larger than an API request. */
const SNAPSHOT_BODY_LIMIT = 256 * 1024 * 1024

/** The emulator's own control plane, under `/_emulator`: set-up for tests and local use. */
const controlRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { emulator } = app
  const { store, tokens, clock } = emulator

  app.get('/health', {
    schema: {
      summary: 'Liveness and readiness: 200 once the store is open ("degraded" while writes fail: a full disk, the database file deleted or replaced); never needs the admin token',
      tags: ['control'],
      security: [],
      response: { 200: HealthSchema }
    },
    config: { policy: { access: 'public' } }
  }, async () => {
    const problem = store.storageProblem()
    if (problem === undefined) return { status: 'ok' as const, version: VERSION }
    return { status: 'degraded' as const, reason: storageProblemReason(problem), version: VERSION }
  })

  app.get('/openapi.json', {
    schema: { summary: 'This OpenAPI 3 document', tags: ['control'], security: [] },
    config: { policy: { access: 'public' } }
  }, async () => app.swagger())

  app.get('/instances', {
    schema: { summary: 'Lists instances with their organizations, and how many pending invites and members each organization has', tags: ['control'], response: { 200: Type.Array(InstanceWithOrgsSchema), 401: ErrorSchema } },
    config: { policy: admin }
  }, async () => {
    const counts = new Map(store.countsByOrg().map((count) => [`${count.instanceId}/${count.orgId}`, count]))
    const orgs = store.listOrgs()
    return store.listInstances().map((instance) => ({
      ...instance,
      orgs: orgs.filter((org) => org.instanceId === instance.id).map(({ id, name }) => {
        const count = counts.get(`${instance.id}/${id}`)
        return { id, name, invites: count?.invites ?? 0, members: count?.members ?? 0 }
      })
    }))
  })

  app.post('/instances', {
    schema: {
      summary: 'Creates an instance (id generated when absent)',
      tags: ['control'],
      body: InstanceCreateSchema,
      response: { 201: InstanceSchema, ...errorResponses }
    },
    config: { policy: withBody(false) }
  }, async (request, reply) => {
    const id = normalizeId(request.body.id ?? newObjectId(clock.now()))
    const instance = conflictsAs409(() => store.createInstance({ id, name: request.body.name ?? `Instance ${id}` }))
    return reply.code(201).send(instance)
  })

  app.delete('/instances/:instanceId', {
    schema: { summary: 'Deletes an instance with its organizations and invites', tags: ['control'], params: InstanceParamsSchema, response: { 200: SuccessSchema, ...errorResponses } },
    config: { policy: admin }
  }, async (request) => {
    if (!store.deleteInstance(normalizeId(request.params.instanceId))) throw errors.notFound('Instance')
    return { success: true as const }
  })

  app.post('/instances/:instanceId/orgs', {
    schema: {
      summary: 'Creates an organization in an instance (id generated when absent)',
      tags: ['control'],
      params: InstanceParamsSchema,
      body: OrgCreateSchema,
      response: { 201: OrgSchema, ...errorResponses }
    },
    config: { policy: withBody(false) }
  }, async (request, reply) => {
    const instanceId = normalizeId(request.params.instanceId)
    if (store.getInstance(instanceId) === undefined) throw errors.notFound('Instance')
    const id = normalizeId(request.body.id ?? newObjectId(clock.now()))
    const org = conflictsAs409(() => store.createOrg({ instanceId, id, name: request.body.name ?? `Organization ${id}` }))
    return reply.code(201).send(org)
  })

  app.delete('/instances/:instanceId/orgs/:orgId', {
    schema: {
      summary: 'Deletes an organization with its invites',
      tags: ['control'],
      params: Type.Object({ instanceId: ObjectIdSchema, orgId: ObjectIdSchema }),
      response: { 200: SuccessSchema, ...errorResponses }
    },
    config: { policy: admin }
  }, async (request) => {
    const instanceId = normalizeId(request.params.instanceId)
    if (store.getInstance(instanceId) === undefined) throw errors.notFound('Instance')
    if (!store.deleteOrg(instanceId, normalizeId(request.params.orgId))) throw errors.notFound('Organization')
    return { success: true as const }
  })

  app.post('/tokens', {
    schema: {
      summary: 'Mints a bearer token with the given scopes',
      tags: ['control'],
      body: TokenRequestSchema,
      response: { 201: TokenSchema, ...errorResponses }
    },
    config: { policy: withBody(true) }
  }, async (request, reply) => {
    const { scope, instanceId, expiresIn } = request.body
    return reply.code(201).send(tokens.mint({
      scope,
      ...(instanceId === undefined ? {} : { instanceId: normalizeId(instanceId) }),
      ...(expiresIn === undefined ? {} : { expiresIn })
    }))
  })

  app.get('/snapshot', {
    schema: { summary: 'The whole state, in the seed format', tags: ['control'], response: { 200: SnapshotSchema, 401: ErrorSchema } },
    config: { policy: admin }
  }, async () => emulator.snapshot())

  app.put('/snapshot', {
    bodyLimit: SNAPSHOT_BODY_LIMIT,
    schema: { summary: 'Replaces the whole state atomically; an invalid snapshot changes nothing', tags: ['control'], body: SnapshotSchema, response: { 200: SuccessSchema, ...errorResponses } },
    config: { policy: withBody(true) }
  }, async (request) => {
    try {
      emulator.restore(checkSnapshotUniqueness(request.body))
    } catch (error) {
      if (error instanceof SnapshotError || error instanceof StoreConflictError) throw errors.validation(error.message)
      throw error
    }
    return { success: true as const }
  })

  await app.register(lifecycleControlRoutes)
  await app.register(orgViewRoutes)

  app.post('/reset', {
    schema: { summary: 'Back to the seed (empty without one), an empty outbox and real time', tags: ['control'], response: { 200: SuccessSchema, 401: ErrorSchema } },
    config: { policy: admin }
  }, async () => {
    emulator.reset()
    return { success: true as const }
  })

  await app.register(requestRoutes)
  await app.register(faultRoutes)
  await app.register(changeRoutes)
}

function conflictsAs409<T> (create: () => T): T {
  try {
    return create()
  } catch (error) {
    throw error instanceof StoreConflictError ? errors.conflict(error.message) : error
  }
}

export default controlRoutes
