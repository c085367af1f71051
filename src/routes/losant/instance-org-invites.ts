import { Type } from '@sinclair/typebox'
import type { FastifyReply } from 'fastify'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { newInviteToken, newObjectId } from '../../ids.js'
import { recordInviteSent } from '../../domain/invites.js'
import type { ListingQuery } from '../../domain/present.js'
import { GlobalQuerySchema, LosantHeadersSchema, ObjectIdSchema } from '../../schemas/common.js'
import { ErrorSchema } from '../../schemas/error.js'
import { OrgInviteCollectionSchema, OrgInviteListQuerySchema, type OrgInviteListQuery } from '../../schemas/orgInviteCollection.js'
import { OrgInvitePostSchema } from '../../schemas/orgInvitePost.js'
import { normalizeId, writeInOrg } from '../../domain/lookup.js'
import { wantsLinks } from '../../domain/present.js'

const PATH = '/instances/:instanceId/orgs/:orgId/invites'

const InstanceOrgParamsSchema = Type.Object({
  instanceId: ObjectIdSchema,
  orgId: ObjectIdSchema
})

export const errorResponses = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema }

/** What Fastify sets for a serialized object: answers made as bytes leave with the same header. */
const JSON_TYPE = 'application/json; charset=utf-8'

/** Sends an answer already serialized by the response schema (bytes with a JSON type: Fastify sends them as they are). */
function sendJson (reply: unknown, json: Buffer): FastifyReply {
  return (reply as FastifyReply).type(JSON_TYPE).send(json)
}

/** The listing a GET asks for: the org, the order (inviteDate, descending by default), a filter unless blank. */
function listingOf (params: { instanceId: string, orgId: string }, query: OrgInviteListQuery): ListingQuery {
  const { sortField = 'inviteDate', sortDirection = 'desc', filterField, filter } = query
  const listing: ListingQuery = { instanceId: normalizeId(params.instanceId), orgId: normalizeId(params.orgId), sortField, sortDirection, links: wantsLinks(query) }
  // Blank or absent filter (or filterField) means no filtering.
  if (filterField !== undefined && filter !== undefined && filter !== '') listing.filter = { field: filterField, pattern: filter }
  return listing
}

/** Losant resource `instanceOrgInvites`: GET and POST /instances/{instanceId}/orgs/{orgId}/invites. */
const instanceOrgInvites: FastifyPluginAsyncTypebox = async (app) => {
  const { emulator, listings } = app
  const { store, clock } = emulator

  app.get(PATH, {
    schema: {
      summary: 'Returns a collection of instance organization invites',
      tags: ['instanceOrgInvites'],
      params: InstanceOrgParamsSchema,
      querystring: OrgInviteListQuerySchema,
      headers: LosantHeadersSchema,
      response: { 200: OrgInviteCollectionSchema, ...errorResponses }
    },
    config: { policy: { access: 'token', action: 'instanceOrgInvites.get' } }
  }, async (request, reply) => {
    // The org (404s), the filter (400 past the glob's budget), its invites presented: the
    // collection's JSON, as this route's response schema serializes it (src/listings).
    return sendJson(reply, listings.collection(listingOf(request.params, request.query), clock.now()))
  })

  app.post(PATH, {
    schema: {
      summary: 'Invites a member to an instance organization',
      tags: ['instanceOrgInvites'],
      params: InstanceOrgParamsSchema,
      querystring: GlobalQuerySchema,
      headers: LosantHeadersSchema,
      body: OrgInvitePostSchema,
      response: { 201: OrgInviteCollectionSchema, ...errorResponses }
    },
    config: { policy: { access: 'token', action: 'instanceOrgInvites.post', body: { name: 'invite', required: true } } }
  }, async (request, reply) => {
    const instanceId = normalizeId(request.params.instanceId)
    const orgId = normalizeId(request.params.orgId)
    const now = clock.now()
    const { email, ...roles } = request.body
    // The invite and its e-mail, together or not at all, in an org that exists (else 404).
    writeInOrg(store, instanceId, orgId, () => store.transaction(() => {
      const invite = store.upsertInvite(instanceId, orgId, {
        ...roles,
        id: newObjectId(now),
        email: email.toLowerCase(),
        inviteDate: now,
        ttl: emulator.inviteTtlMs,
        token: newInviteToken()
      })
      recordInviteSent(emulator, invite)
    }))
    // The answer: the org's whole collection, in the default order.
    const answer = listings.collection({ instanceId, orgId, sortField: 'inviteDate', sortDirection: 'desc', links: wantsLinks(request.query) }, now)
    return sendJson(reply.code(201), answer)
  })
}

export default instanceOrgInvites
