import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errors } from '../../errors.js'
import { findInviteByCredentials } from '../../domain/invites.js'
import { GlobalQuerySchema, LosantHeadersSchema } from '../../schemas/common.js'
import { ErrorSchema } from '../../schemas/error.js'
import { OrgInviteActionSchema, OrgInviteInfoSchema, OrgInviteLookupQuerySchema, OrgInviteResultSchema } from '../../schemas/orgInvites.js'

const errorResponses = { 400: ErrorSchema, 404: ErrorSchema, 410: ErrorSchema }

/**
 * Losant resource `orgInvites` (`/invites`): the invitee's side. No bearer token: the
 * invite's own token and email, from the e-mail link, are the credentials.
 */
const orgInvites: FastifyPluginAsyncTypebox = async (app) => {
  const { emulator } = app
  const { store } = emulator

  app.get('/invites', {
    schema: {
      summary: 'Gets information about an invite',
      tags: ['orgInvites'],
      security: [],
      querystring: OrgInviteLookupQuerySchema,
      headers: LosantHeadersSchema,
      response: { 200: OrgInviteInfoSchema, ...errorResponses }
    },
    config: { policy: { access: 'public', action: 'orgInvites.get' } }
  }, async (request) => {
    const invite = findInviteByCredentials(emulator, request.query.email, request.query.token)
    const org = store.getOrg(invite.instanceId, invite.orgId)
    if (org === undefined) throw errors.notFound('Invite')
    return {
      orgName: org.name,
      email: invite.email,
      role: invite.role,
      inviteDate: new Date(invite.inviteDate).toISOString(),
      ttl: invite.ttl,
      ...(invite.disallowTransfer === undefined ? {} : { disallowTransfer: invite.disallowTransfer })
    }
  })

  app.post('/invites', {
    schema: {
      summary: 'Accepts/Rejects an invite',
      tags: ['orgInvites'],
      security: [],
      querystring: GlobalQuerySchema,
      headers: LosantHeadersSchema,
      body: OrgInviteActionSchema,
      response: { 200: OrgInviteResultSchema, ...errorResponses }
    },
    config: { policy: { access: 'public', action: 'orgInvites.post', body: { name: 'invite', required: true } } }
  }, async (request) => {
    const { email, token, accept } = request.body
    const invite = findInviteByCredentials(emulator, email, token)
    const member = accept ? { instanceId: invite.instanceId, orgId: invite.orgId, email: invite.email, role: invite.role } : undefined
    // Gone either way; accepting also makes the email a member of the org.
    if (!store.consumeInvite(invite.id, member)) throw errors.notFound('Invite')
    return { accepted: accept, orgId: invite.orgId }
  })
}

export default orgInvites
