import { Type, type Static } from '@sinclair/typebox'
import { EmailSchema, LinksSchema, ObjectIdSchema, OrgRoleSchema, ResourceRolesSchema } from './common.js'

/** Losant's `orgInvite`: one pending invitation, plus the framework's `_type`/`_links` decoration. */
export const OrgInviteSchema = Type.Object({
  id: ObjectIdSchema,
  email: EmailSchema,
  role: OrgRoleSchema,
  applicationRoles: Type.Optional(ResourceRolesSchema),
  dashboardRoles: Type.Optional(ResourceRolesSchema),
  inviteDate: Type.String({ format: 'date-time' }),
  ttl: Type.Number(),
  hasExpired: Type.Boolean(),
  disallowTransfer: Type.Optional(Type.Boolean()),
  _type: Type.Optional(Type.String()),
  _links: Type.Optional(LinksSchema)
}, { title: 'Organization Invitation' })

export type OrgInvite = Static<typeof OrgInviteSchema>
