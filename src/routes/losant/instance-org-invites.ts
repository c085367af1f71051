import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errors } from '../../errors.js'
import { compileGlob, GlobTooComplexError, MAX_ALTERNATIVES } from '../../glob.js'
import { newInviteToken, newObjectId } from '../../ids.js'
import { recordInviteSent } from '../../invites.js'
import { ObjectIdSchema } from '../../schemas/common.js'
import { ErrorSchema } from '../../schemas/error.js'
import { OrgInviteCollectionSchema, OrgInviteListQuerySchema } from '../../schemas/orgInviteCollection.js'
import { OrgInvitePostSchema } from '../../schemas/orgInvitePost.js'
import type { InviteListQuery } from '../../store/types.js'
import { normalizeId, requireOrg } from './lookup.js'
import { presentCollection, wantsLinks } from './present.js'

const PATH = '/instances/:instanceId/orgs/:orgId/invites'

export const InstanceOrgParamsSchema = Type.Object({
  instanceId: ObjectIdSchema,
  orgId: ObjectIdSchema
})

export const errorResponses = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema }

/** Losant resource `instanceOrgInvites`: GET and POST /instances/{instanceId}/orgs/{orgId}/invites. */
const instanceOrgInvites: FastifyPluginAsyncTypebox = async (app) => {
  const { emulator } = app
  const { store, clock } = emulator

  app.get(PATH, {
    schema: {
      summary: 'Returns a collection of instance organization invites',
      tags: ['instanceOrgInvites'],
      params: InstanceOrgParamsSchema,
      querystring: OrgInviteListQuerySchema,
      response: { 200: OrgInviteCollectionSchema, ...errorResponses }
    },
    config: { policy: { access: 'token', action: 'instanceOrgInvites.get' } }
  }, async (request) => {
    const instanceId = normalizeId(request.params.instanceId)
    const orgId = normalizeId(request.params.orgId)
    requireOrg(store, instanceId, orgId)
    const { sortField = 'inviteDate', sortDirection = 'desc', filterField, filter } = request.query
    const query: InviteListQuery = { instanceId, orgId, sortField, sortDirection }
    // Blank or absent filter (or filterField) means no filtering.
    if (filterField !== undefined && filter !== undefined && filter !== '') {
      try {
        query.filter = { field: filterField, glob: compileGlob(filter) }
      } catch (error) {
        if (error instanceof GlobTooComplexError) throw errors.validation(`filter has more than ${MAX_ALTERNATIVES} brace alternatives`)
        throw error
      }
    }
    const records = store.listInvites(query)
    return presentCollection(records, {
      instanceId,
      orgId,
      sortField,
      sortDirection,
      ...(query.filter === undefined ? {} : { filterField, filter })
    }, clock.now(), wantsLinks(request.query))
  })

  app.post(PATH, {
    schema: {
      summary: 'Invites a member to an instance organization',
      tags: ['instanceOrgInvites'],
      params: InstanceOrgParamsSchema,
      body: OrgInvitePostSchema,
      response: { 201: OrgInviteCollectionSchema, ...errorResponses }
    },
    config: { policy: { access: 'token', action: 'instanceOrgInvites.post', body: { name: 'invite', required: true } } }
  }, async (request, reply) => {
    const instanceId = normalizeId(request.params.instanceId)
    const orgId = normalizeId(request.params.orgId)
    requireOrg(store, instanceId, orgId)
    const now = clock.now()
    const { email, ...roles } = request.body
    const invite = store.upsertInvite(instanceId, orgId, {
      ...roles,
      id: newObjectId(now),
      email: email.toLowerCase(),
      inviteDate: now,
      ttl: emulator.inviteTtlMs,
      token: newInviteToken()
    })
    recordInviteSent(emulator, invite)
    const records = store.listInvites({ instanceId, orgId, sortField: 'inviteDate', sortDirection: 'desc' })
    reply.code(201)
    return presentCollection(records, { instanceId, orgId, sortField: 'inviteDate', sortDirection: 'desc' }, now, wantsLinks(request.query))
  })
}

export default instanceOrgInvites
