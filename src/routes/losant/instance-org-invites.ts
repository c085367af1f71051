import { Type } from '@sinclair/typebox'
import type { FastifyReply } from 'fastify'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errors } from '../../errors.js'
import { compileGlob, GlobTooComplexError } from '../../glob.js'
import { newInviteToken, newObjectId } from '../../ids.js'
import { recordInviteSent } from '../../invites.js'
import { ObjectIdSchema } from '../../schemas/common.js'
import { ErrorSchema } from '../../schemas/error.js'
import { OrgInviteSchema, type OrgInvite } from '../../schemas/orgInvite.js'
import { OrgInviteCollectionSchema, OrgInviteListQuerySchema, type OrgInviteCollection } from '../../schemas/orgInviteCollection.js'
import { OrgInvitePostSchema } from '../../schemas/orgInvitePost.js'
import type { InviteListQuery } from '../../store/types.js'
import { AnswerBuffers } from './answer-buffers.js'
import { CollectionCache } from './collection-cache.js'
import { InviteJsonCache, ItemRuns, serializeCollection, type CollectionSerializers } from './collection-json.js'
import { normalizeId, requireOrg } from './lookup.js'
import { inDefaultOrder, listFromRecords, OrgRecordsCache, withUpsertedInvite } from './org-records.js'
import { wantsLinks } from './present.js'

const PATH = '/instances/:instanceId/orgs/:orgId/invites'

export const InstanceOrgParamsSchema = Type.Object({
  instanceId: ObjectIdSchema,
  orgId: ObjectIdSchema
})

export const errorResponses = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema }

/** What Fastify sets for a serialized object: answers made here as bytes leave with the same header. */
const JSON_TYPE = 'application/json; charset=utf-8'

/**
 * Sends an answer serialized here (bytes with a JSON type: Fastify sends them as they are),
 * holding its buffer until the response has handed every byte to the kernel.
 */
function sendAnswer (reply: unknown, json: Buffer, answers: AnswerBuffers): FastifyReply {
  const r = reply as FastifyReply
  answers.holdWhileSending(json, r.raw)
  return r.type(JSON_TYPE).send(json)
}

/** The route's own serializers for a status (its response schema, and the invite's within it). */
function routeSerializers (reply: unknown, status: number): CollectionSerializers {
  const r = reply as FastifyReply
  const collection = r.getSerializationFunction(String(status)) as ((body: OrgInviteCollection) => string) | undefined
  if (collection === undefined) throw new Error(`no response schema for ${status}`)
  return { collection, item: r.compileSerializationSchema(OrgInviteSchema) as (invite: OrgInvite) => string }
}

/** A listing's cache key: everything its answer depends on but the data and the clock. */
function listingKey (links: boolean, instanceId: string, orgId: string, sortField: string, sortDirection: string, filter?: { field: string, pattern: string }): string {
  // The filter comes last: it is the only part that may hold the separator.
  return `${links ? 'L' : 'N'}|${instanceId}|${orgId}|${sortField}|${sortDirection}|${filter === undefined ? '' : `${filter.field}|${filter.pattern}`}`
}

/** Losant resource `instanceOrgInvites`: GET and POST /instances/{instanceId}/orgs/{orgId}/invites. */
const instanceOrgInvites: FastifyPluginAsyncTypebox = async (app) => {
  const { emulator } = app
  const { store, clock } = emulator
  // Performance (docs/PERFORMANCE.md): answers serialized once, reused until a write or an expiry.
  const answers = new AnswerBuffers()
  const cache = store.dataVersion === undefined ? undefined : new CollectionCache(undefined, answers)
  const inviteJson = new InviteJsonCache()
  const itemRuns = new ItemRuns()
  // Each org's records while it is unchanged: listings after writes elsewhere skip SQLite.
  const orgRecords = store.orgVersion === undefined ? undefined : new OrgRecordsCache()
  emulator.onReset(() => {
    inviteJson.clear()
    orgRecords?.clear()
  })
  const takeAnswer = (length: number): Buffer => answers.take(length)
  let listSerializers: CollectionSerializers | undefined
  let postSerializers: CollectionSerializers | undefined

  app.get(PATH, {
    schema: {
      summary: 'Returns a collection of instance organization invites',
      tags: ['instanceOrgInvites'],
      params: InstanceOrgParamsSchema,
      querystring: OrgInviteListQuerySchema,
      response: { 200: OrgInviteCollectionSchema, ...errorResponses }
    },
    config: { policy: { access: 'token', action: 'instanceOrgInvites.get' } }
  }, async (request, reply) => {
    const instanceId = normalizeId(request.params.instanceId)
    const orgId = normalizeId(request.params.orgId)
    const { sortField = 'inviteDate', sortDirection = 'desc', filterField, filter } = request.query
    // Blank or absent filter (or filterField) means no filtering.
    const filtered = filterField !== undefined && filter !== undefined && filter !== ''
    const links = wantsLinks(request.query)
    const now = clock.now()
    const version = store.dataVersion?.()
    const key = listingKey(links, instanceId, orgId, sortField, sortDirection, filtered ? { field: filterField, pattern: filter } : undefined)
    if (cache !== undefined && version !== undefined) {
      // A hit skips the 404 checks too: the same data version has the same instance and org.
      const json = cache.get(key, version, now)
      if (json !== undefined) return sendAnswer(reply, json, answers)
    }
    const orgVersion = store.orgVersion?.(instanceId, orgId)
    const kept = orgVersion === undefined ? undefined : orgRecords?.get(instanceId, orgId, orgVersion)
    // Records kept under the org's current version mean it exists: no need to look it up.
    if (kept === undefined) requireOrg(store, instanceId, orgId)
    const query: InviteListQuery = { instanceId, orgId, sortField, sortDirection }
    if (filtered) {
      try {
        query.filter = { field: filterField, glob: compileGlob(filter) }
      } catch (error) {
        if (error instanceof GlobTooComplexError) throw errors.validation(`filter has ${error.message}`)
        throw error
      }
    }
    const records = kept === undefined ? store.listInvites(query) : listFromRecords(kept, query)
    // A whole org read from the store is kept for the next listings and POSTs.
    if (kept === undefined && !filtered && orgVersion !== undefined) {
      orgRecords?.set(instanceId, orgId, orgVersion, sortField === 'inviteDate' && sortDirection === 'desc' ? records : inDefaultOrder(records))
    }
    const serializers = listSerializers ??= routeSerializers(reply, 200)
    // Every kept record in the kept order (no filter, or one all match): their items are one run of bytes.
    const whole = kept !== undefined && records.length === kept.length && sortField === 'inviteDate' && sortDirection === 'desc'
    const json = serializeCollection(records, {
      instanceId,
      orgId,
      sortField,
      sortDirection,
      ...(filtered ? { filterField, filter } : {})
    }, now, links, inviteJson, serializers, takeAnswer, whole ? itemRuns.items(kept, now, links, inviteJson, serializers.item) : undefined)
    if (cache !== undefined && version !== undefined) cache.set(key, version, now, records, json)
    sendAnswer(reply, json, answers)
    // The cache and the response hold it now, if they keep it.
    answers.release(json)
    return reply
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
    const now = clock.now()
    const { email, ...roles } = request.body
    const links = wantsLinks(request.query)
    const key = listingKey(links, instanceId, orgId, 'inviteDate', 'desc')
    // The org's records as the last listing or POST left them, if it has not changed since
    // (performance: the POST then patches them instead of reading the org).
    const before = store.orgVersion?.(instanceId, orgId)
    const known = before === undefined ? undefined : orgRecords?.get(instanceId, orgId, before)
    // Records kept under the org's current version mean it exists: no need to look it up.
    if (known === undefined) requireOrg(store, instanceId, orgId)
    // The invite and its e-mail, together or not at all.
    const invite = store.transaction(() => {
      const written = store.upsertInvite(instanceId, orgId, {
        ...roles,
        id: newObjectId(now),
        email: email.toLowerCase(),
        inviteDate: now,
        ttl: emulator.inviteTtlMs,
        token: newInviteToken()
      })
      recordInviteSent(emulator, written)
      return written
    })
    const records = known === undefined
      ? store.listInvites({ instanceId, orgId, sortField: 'inviteDate', sortDirection: 'desc' })
      : withUpsertedInvite(known, invite)
    const after = store.orgVersion?.(instanceId, orgId)
    if (after !== undefined) orgRecords?.set(instanceId, orgId, after, records)
    const json = serializeCollection(records, { instanceId, orgId, sortField: 'inviteDate', sortDirection: 'desc' }, now, links,
      inviteJson, postSerializers ??= routeSerializers(reply, 201), takeAnswer)
    // The answer is also the next default-order GET's: cached for it (write, then read).
    if (cache !== undefined && store.dataVersion !== undefined) cache.set(key, store.dataVersion(), now, records, json)
    sendAnswer(reply.code(201), json, answers)
    answers.release(json)
    return reply
  })
}

export default instanceOrgInvites
