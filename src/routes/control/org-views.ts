import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { ListingQuery } from '../../domain/present.js'
import {
  type ControlInvite,
  DEFAULT_PER_PAGE,
  type InvitePage,
  InvitePageQuerySchema,
  InvitePageSchema,
  MemberSchema,
  OrgParamsSchema
} from '../../schemas/control.js'
import { ErrorSchema } from '../../schemas/error.js'
import { requireOrg, normalizeId } from '../../domain/lookup.js'
import { presentInvite } from '../../domain/present.js'

const admin = { access: 'admin' } as const
const errorResponses = { 400: ErrorSchema, 401: ErrorSchema, 404: ErrorSchema }

/**
 * An org's data as the web UI shows it: a page of its invites (the Losant listing's order
 * and filter, through the same listing seam, but one page at a time, so a 10,000-invite
 * org's first page is a few kilobytes: docs/API.md), and its members.
 */
const orgViewRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { emulator, listings } = app
  const { store, clock } = emulator

  app.get('/instances/:instanceId/orgs/:orgId/invites', {
    schema: {
      summary: 'One page of an organization\'s invites, sorted and filtered as the Losant listing (GET /instances/{instanceId}/orgs/{orgId}/invites) does, each with its token',
      tags: ['control'],
      params: OrgParamsSchema,
      querystring: InvitePageQuerySchema,
      response: { 200: InvitePageSchema, ...errorResponses }
    },
    config: { policy: admin }
  }, async (request): Promise<InvitePage> => {
    const { sortField = 'inviteDate', sortDirection = 'desc', filterField, filter } = request.query
    const page = Number(request.query.page ?? 0)
    const perPage = Number(request.query.perPage ?? DEFAULT_PER_PAGE)
    const query: Omit<ListingQuery, 'links'> = { instanceId: normalizeId(request.params.instanceId), orgId: normalizeId(request.params.orgId), sortField, sortDirection }
    // Blank or absent filter (or filterField) means no filtering, as in the Losant listing.
    if (filterField !== undefined && filter !== undefined && filter !== '') query.filter = { field: filterField, pattern: filter }
    const { total, records } = listings.page(query, page * perPage, perPage)
    const now = clock.now()
    const items: ControlInvite[] = records.map((record) => {
      const { _type: _, _links: __, ...invite } = presentInvite(record, now, false)
      return { ...invite, token: record.token }
    })
    const answer: InvitePage = { instanceId: query.instanceId, orgId: query.orgId, sortField, sortDirection, page, perPage, totalCount: total, count: items.length, items }
    if (query.filter !== undefined) {
      answer.filterField = query.filter.field
      answer.filter = query.filter.pattern
    }
    return answer
  })

  app.get('/instances/:instanceId/orgs/:orgId/members', {
    schema: {
      summary: 'An organization\'s members: the emails that accepted an invite (POST /invites), by email',
      tags: ['control'],
      params: OrgParamsSchema,
      response: { 200: Type.Array(MemberSchema), ...errorResponses }
    },
    config: { policy: admin }
  }, async (request) => {
    const org = requireOrg(store, normalizeId(request.params.instanceId), normalizeId(request.params.orgId))
    return store.listMembers(org.instanceId, org.id).map(({ email, role }) => ({ email, role }))
  })
}

export default orgViewRoutes
