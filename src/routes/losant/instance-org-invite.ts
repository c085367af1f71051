import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errors } from '../../errors.js'
import { newInviteToken } from '../../ids.js'
import { recordInviteSent } from '../../domain/invites.js'
import { GlobalQuerySchema, LosantHeadersSchema, ObjectIdSchema } from '../../schemas/common.js'
import { OrgInviteSchema } from '../../schemas/orgInvite.js'
import { OrgRoleInfoSchema } from '../../schemas/orgRoleInfo.js'
import { SuccessSchema } from '../../schemas/success.js'
import { errorResponses } from './instance-org-invites.js'
import { normalizeId, requireOrg } from '../../domain/lookup.js'
import { presentInvite, wantsLinks } from '../../domain/present.js'

const PATH = '/instances/:instanceId/orgs/:orgId/invites/:inviteId'

const InviteParamsSchema = Type.Object({
  instanceId: ObjectIdSchema,
  orgId: ObjectIdSchema,
  inviteId: ObjectIdSchema
})

/** Losant resource `instanceOrgInvite`: one invite, revoked or resent with new roles. */
const instanceOrgInvite: FastifyPluginAsyncTypebox = async (app) => {
  const { emulator } = app
  const { store, clock } = emulator

  /** Instance, org, then invite: each a 404 of its own. */
  const ids = (params: { instanceId: string, orgId: string, inviteId: string }) => {
    const instanceId = normalizeId(params.instanceId)
    const orgId = normalizeId(params.orgId)
    requireOrg(store, instanceId, orgId)
    return { instanceId, orgId, inviteId: normalizeId(params.inviteId) }
  }

  app.get(PATH, {
    schema: {
      summary: 'Returns an organization invite',
      tags: ['instanceOrgInvite'],
      params: InviteParamsSchema,
      querystring: GlobalQuerySchema,
      headers: LosantHeadersSchema,
      response: { 200: OrgInviteSchema, ...errorResponses }
    },
    config: { policy: { access: 'token', action: 'instanceOrgInvite.get' } }
  }, async (request) => {
    const { instanceId, orgId, inviteId } = ids(request.params)
    const invite = store.getInvite(instanceId, orgId, inviteId)
    if (invite === undefined) throw errors.notFound('Invite')
    return presentInvite(invite, clock.now(), wantsLinks(request.query))
  })

  app.delete(PATH, {
    schema: {
      summary: 'Revokes an instance org invitation',
      tags: ['instanceOrgInvite'],
      params: InviteParamsSchema,
      querystring: GlobalQuerySchema,
      headers: LosantHeadersSchema,
      response: { 200: SuccessSchema, ...errorResponses }
    },
    config: { policy: { access: 'token', action: 'instanceOrgInvite.delete' } }
  }, async (request) => {
    const { instanceId, orgId, inviteId } = ids(request.params)
    if (!store.deleteInvite(instanceId, orgId, inviteId)) throw errors.notFound('Invite')
    return { success: true as const }
  })

  app.post(PATH, {
    schema: {
      summary: 'Resend an organization invite with modified role info',
      tags: ['instanceOrgInvite'],
      params: InviteParamsSchema,
      querystring: GlobalQuerySchema,
      headers: LosantHeadersSchema,
      body: OrgRoleInfoSchema,
      response: { 201: OrgInviteSchema, ...errorResponses }
    },
    config: { policy: { access: 'token', action: 'instanceOrgInvite.resendInvite', body: { name: 'roleInfo', required: true } } }
  }, async (request, reply) => {
    const { instanceId, orgId, inviteId } = ids(request.params)
    const now = clock.now()
    // A resend is a new e-mail: a new token (the old link stops working) and a fresh lifetime.
    const invite = store.resendInvite(instanceId, orgId, inviteId, { ...request.body, inviteDate: now, ttl: emulator.inviteTtlMs, token: newInviteToken() })
    if (invite === undefined) throw errors.notFound('Invite')
    recordInviteSent(emulator, invite)
    return reply.code(201).send(presentInvite(invite, now, wantsLinks(request.query)))
  })
}

export default instanceOrgInvite
