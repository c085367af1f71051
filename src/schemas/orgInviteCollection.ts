import { Type, type Static } from '@sinclair/typebox'
import { GlobalQueryProperties, LinksSchema, ObjectIdSchema, StringEnum } from './common.js'
import { OrgInviteSchema } from './orgInvite.js'

const SORT_FIELDS = ['email', 'role', 'inviteDate'] as const
const SORT_DIRECTIONS = ['asc', 'desc'] as const
const FILTER_FIELDS = ['email', 'role'] as const
export type SortField = typeof SORT_FIELDS[number]
export type SortDirection = typeof SORT_DIRECTIONS[number]
export type FilterField = typeof FILTER_FIELDS[number]

/**
 * Longest `filter` accepted. Matching is linear in the value but proportional to the
 * pattern's width too, so the pattern is bounded (docs/API.md, filtering).
 */
const FILTER_MAX_LENGTH = 256

/**
 * Query of GET /instances/{instanceId}/orgs/{orgId}/invites: the action's parameters, then
 * the global ones, in the order the real service checks them. Unknown parameters are ignored.
 */
export const OrgInviteListQuerySchema = Type.Object({
  sortField: Type.Optional(StringEnum(SORT_FIELDS, { default: 'inviteDate' })),
  sortDirection: Type.Optional(StringEnum(SORT_DIRECTIONS, { default: 'desc' })),
  filterField: Type.Optional(StringEnum(FILTER_FIELDS)),
  filter: Type.Optional(Type.String({ maxLength: FILTER_MAX_LENGTH })),
  ...GlobalQueryProperties
})

export type OrgInviteListQuery = Static<typeof OrgInviteListQuerySchema>

/** Losant's `orgInviteCollection`: GET's 200 and POST's 201. */
export const OrgInviteCollectionSchema = Type.Object({
  items: Type.Array(OrgInviteSchema),
  instanceId: ObjectIdSchema,
  orgId: ObjectIdSchema,
  count: Type.Integer(),
  filter: Type.Optional(Type.String()),
  filterField: Type.Optional(Type.String()),
  sortField: Type.String(),
  sortDirection: StringEnum(['asc', 'desc', 'ASC', 'DESC', '']),
  _type: Type.Optional(Type.String()),
  _links: Type.Optional(LinksSchema)
}, { title: 'Instance Organization Invitations' })

export type OrgInviteCollection = Static<typeof OrgInviteCollectionSchema>
