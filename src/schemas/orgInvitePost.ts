import { Type, type Static } from '@sinclair/typebox'
import { EmailSchema, OrgRoleSchema, ResourceRolesSchema } from './common.js'

/** Losant's `orgInvitePost`: the body of POST /instances/{instanceId}/orgs/{orgId}/invites. */
export const OrgInvitePostSchema = Type.Object({
  email: EmailSchema,
  role: OrgRoleSchema,
  applicationRoles: Type.Optional(ResourceRolesSchema),
  dashboardRoles: Type.Optional(ResourceRolesSchema),
  disallowTransfer: Type.Optional(Type.Boolean())
}, { additionalProperties: false, title: 'Organization Invitation Post' })

export type OrgInvitePost = Static<typeof OrgInvitePostSchema>
