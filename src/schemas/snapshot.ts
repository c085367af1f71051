import { Type, type Static } from '@sinclair/typebox'
import { EmailSchema, ObjectIdSchema, OrgRoleSchema, ResourceRolesSchema } from './common.js'
import { NameSchema, ScopeNameSchema } from './control.js'

/**
 * The whole state, as `GET /_emulator/snapshot` answers it and as a seed file states it.
 * Optional invite fields are filled in when applied: a new id, `inviteDate` now, the
 * configured ttl, a new invite token.
 */
const SnapshotInviteSchema = Type.Object({
  id: Type.Optional(ObjectIdSchema),
  email: EmailSchema,
  role: OrgRoleSchema,
  inviteDate: Type.Optional(Type.String({ format: 'date-time' })),
  ttl: Type.Optional(Type.Integer({ minimum: 0 })),
  applicationRoles: Type.Optional(ResourceRolesSchema),
  dashboardRoles: Type.Optional(ResourceRolesSchema),
  disallowTransfer: Type.Optional(Type.Boolean()),
  /** The invite's secret, as the e-mail link carries it. */
  token: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 }))
}, { additionalProperties: false })

const SnapshotMemberSchema = Type.Object({
  email: EmailSchema,
  role: OrgRoleSchema
}, { additionalProperties: false })

const SnapshotOrgSchema = Type.Object({
  id: ObjectIdSchema,
  name: Type.Optional(NameSchema),
  invites: Type.Optional(Type.Array(SnapshotInviteSchema, { maxItems: 1_000_000 })),
  members: Type.Optional(Type.Array(SnapshotMemberSchema, { maxItems: 1_000_000 }))
}, { additionalProperties: false })

const SnapshotInstanceSchema = Type.Object({
  id: ObjectIdSchema,
  name: Type.Optional(NameSchema),
  orgs: Type.Optional(Type.Array(SnapshotOrgSchema))
}, { additionalProperties: false })

const SnapshotTokenSchema = Type.Object({
  /** Any string: accepted as a bearer token as it is. */
  token: Type.String({ minLength: 1, maxLength: 4096 }),
  scope: Type.Array(ScopeNameSchema, { minItems: 1, maxItems: 100 }),
  instanceId: Type.Optional(ObjectIdSchema)
}, { additionalProperties: false })

export const SnapshotSchema = Type.Object({
  instances: Type.Optional(Type.Array(SnapshotInstanceSchema)),
  tokens: Type.Optional(Type.Array(SnapshotTokenSchema))
}, { additionalProperties: false, title: 'Snapshot' })

export type Snapshot = Static<typeof SnapshotSchema>
