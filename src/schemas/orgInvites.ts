import { Type, type Static } from '@sinclair/typebox'
import { EmailSchema, GlobalQueryProperties, ObjectIdSchema, OrgRoleSchema } from './common.js'

/** Losant's `orgInviteInfo`: what GET /invites tells the invitee. */
export const OrgInviteInfoSchema = Type.Object({
  orgName: Type.String({ minLength: 1, maxLength: 255 }),
  email: EmailSchema,
  role: OrgRoleSchema,
  inviteDate: Type.String({ format: 'date-time' }),
  ttl: Type.Number(),
  disallowTransfer: Type.Optional(Type.Boolean())
}, { title: 'Organization Invitation Information' })

/** Losant's `orgInviteAction`: the body of POST /invites. */
export const OrgInviteActionSchema = Type.Object({
  email: Type.String({ format: 'email', maxLength: 1024 }),
  token: Type.String({ minLength: 1 }),
  accept: Type.Boolean()
}, { additionalProperties: false, title: 'Organization Invitation Action' })

export type OrgInviteAction = Static<typeof OrgInviteActionSchema>

/** Losant's `orgInviteResult`. */
export const OrgInviteResultSchema = Type.Object({
  accepted: Type.Boolean(),
  orgId: ObjectIdSchema
}, { title: 'Organization Invitation Action Result' })

/** Query of GET /invites: the invite's token and email are the credentials; then the global parameters. */
export const OrgInviteLookupQuerySchema = Type.Object({
  token: Type.String(),
  email: Type.String(),
  ...GlobalQueryProperties
})
