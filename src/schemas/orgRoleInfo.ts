import { Type } from '@sinclair/typebox'
import { OrgRoleSchema, ResourceRolesSchema } from './common.js'

/** Losant's `orgRoleInfo`: the body of a resend. Every field optional; given fields replace the invite's. */
export const OrgRoleInfoSchema = Type.Object({
  role: Type.Optional(OrgRoleSchema),
  applicationRoles: Type.Optional(ResourceRolesSchema),
  dashboardRoles: Type.Optional(ResourceRolesSchema)
}, { additionalProperties: false, title: 'Organization Role Info' })
