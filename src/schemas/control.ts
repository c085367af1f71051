import { Type, type Static } from '@sinclair/typebox'
import { ObjectIdSchema, OrgRoleSchema, StringEnum } from './common.js'
import { OrgInviteSchema } from './orgInvite.js'
import { OrgInviteListQuerySchema } from './orgInviteCollection.js'

/** Schemas of the emulator's own control plane (`/_emulator`). */

/** `degraded` while writes fail for lack of space (`reason` says so); reads still work. */
export const HealthSchema = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
  reason: Type.Optional(Type.String()),
  version: Type.String()
})

export const NameSchema = Type.String({ minLength: 1, maxLength: 255 })

/** What a new instance or org may be given: an id and a name, each made up when absent. */
const CreateProperties = {
  id: Type.Optional(ObjectIdSchema),
  name: Type.Optional(NameSchema)
}

export const InstanceCreateSchema = Type.Object(CreateProperties, { additionalProperties: false })

export const InstanceSchema = Type.Object({ id: ObjectIdSchema, name: Type.String() })

export const InstanceParamsSchema = Type.Object({ instanceId: ObjectIdSchema })

export const OrgCreateSchema = Type.Object(CreateProperties, { additionalProperties: false })

export const OrgSchema = Type.Object({ id: ObjectIdSchema, instanceId: ObjectIdSchema, name: Type.String() })

export const OrgParamsSchema = Type.Object({ instanceId: ObjectIdSchema, orgId: ObjectIdSchema })

/** An entry of `GET /_emulator/instances`: the instance with its orgs and what each holds. */
export const InstanceWithOrgsSchema = Type.Object({
  id: ObjectIdSchema,
  name: Type.String(),
  orgs: Type.Array(Type.Object({
    id: ObjectIdSchema,
    name: Type.String(),
    /** Pending invites. */
    invites: Type.Integer(),
    /** Accepted invites. */
    members: Type.Integer()
  }))
})
export type InstanceWithOrgs = Static<typeof InstanceWithOrgsSchema>

/** Losant's default page size (its paged collections' `perPage`; the largest, 1000, bounds InvitePageQuerySchema's). */
export const DEFAULT_PER_PAGE = 100

/**
 * `GET /_emulator/instances/{instanceId}/orgs/{orgId}/invites`: the Losant listing's sort
 * and filter, and a page of it (`page` from 0, as Losant's paged collections count).
 * Unknown parameters are refused.
 */
export const InvitePageQuerySchema = Type.Object({
  ...OrgInviteListQuerySchema.properties,
  page: Type.Optional(Type.String({ pattern: '^(0|[1-9][0-9]{0,6})$' })),
  perPage: Type.Optional(Type.String({ pattern: '^([1-9][0-9]{0,2}|1000)$' }))
}, { additionalProperties: false })

/** An invite as the Losant API presents it (no `_type`, `_links`), with its token, which the e-mail link carries. */
const ControlInviteSchema = Type.Composite([
  Type.Omit(OrgInviteSchema, ['_type', '_links']),
  Type.Object({ token: Type.String() })
])
export type ControlInvite = Static<typeof ControlInviteSchema>

/** One page of an org's invites, as the Losant listing orders and filters them. */
export const InvitePageSchema = Type.Object({
  instanceId: ObjectIdSchema,
  orgId: ObjectIdSchema,
  sortField: Type.String(),
  sortDirection: Type.String(),
  filterField: Type.Optional(Type.String()),
  filter: Type.Optional(Type.String()),
  page: Type.Integer(),
  perPage: Type.Integer(),
  /** Invites that match, on every page. */
  totalCount: Type.Integer(),
  /** Invites on this page. */
  count: Type.Integer(),
  items: Type.Array(ControlInviteSchema)
})
export type InvitePage = Static<typeof InvitePageSchema>

/** Someone who accepted an invite to the org. */
export const MemberSchema = Type.Object({ email: Type.String(), role: OrgRoleSchema })
export type Member = Static<typeof MemberSchema>

/** Any Losant-style scope name: letters, digits, dots, `*`. */
export const ScopeNameSchema = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.*-]+$' })

export const TokenRequestSchema = Type.Object({
  scope: Type.Array(ScopeNameSchema, { minItems: 1, maxItems: 100 }),
  instanceId: Type.Optional(ObjectIdSchema),
  /** Seconds. */
  expiresIn: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 * 365 * 24 * 3600 }))
}, { additionalProperties: false })
export type TokenRequest = Static<typeof TokenRequestSchema>

export const TokenSchema = Type.Object({
  token: Type.String(),
  scope: Type.Array(Type.String()),
  instanceId: Type.Optional(ObjectIdSchema),
  expiresAt: Type.Optional(Type.String({ format: 'date-time' }))
})

export const OutboxQuerySchema = Type.Object({
  email: Type.Optional(Type.String({ maxLength: 1024 })),
  /** The newest this many only. */
  limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,6}$' }))
})

/**
 * What an e-mail's links do now: `pending`, they work; `expired`, they answer 410; the
 * others answer 404: `replaced`, a newer e-mail for the same invite (a re-invite or a
 * resend) carries its new token; `accepted`, the invite was accepted (the address is a
 * member of the org); `gone`, it was declined or deleted, or its org was.
 */
const OUTBOX_STATES = ['pending', 'expired', 'replaced', 'accepted', 'gone'] as const
export type OutboxState = typeof OUTBOX_STATES[number]

/** An e-mail the real service would have sent: the invite's link carries `token`. */
export const OutboxMessageSchema = Type.Object({
  id: ObjectIdSchema,
  to: Type.String(),
  instanceId: ObjectIdSchema,
  orgId: ObjectIdSchema,
  /** The org's name, while the org exists. */
  orgName: Type.Optional(Type.String()),
  inviteId: ObjectIdSchema,
  /** The role it offered (absent in e-mails recorded by versions that did not keep it). */
  role: Type.Optional(OrgRoleSchema),
  token: Type.String(),
  sentAt: Type.String({ format: 'date-time' }),
  state: StringEnum(OUTBOX_STATES)
})
export type OutboxMessageBody = Static<typeof OutboxMessageSchema>

export const ClockSchema = Type.Object({
  now: Type.String({ format: 'date-time' }),
  offsetMs: Type.Integer()
})

/** One of the two: an offset from real time, or the instant it should be now. */
export const ClockSetSchema = Type.Object({
  offsetMs: Type.Optional(Type.Integer({ minimum: -1e14, maximum: 1e14 })),
  now: Type.Optional(Type.String({ format: 'date-time' }))
}, { additionalProperties: false })
export type ClockSet = Static<typeof ClockSetSchema>

/**
 * `GET /_emulator/changes` and each event of its stream: a version for each part of the
 * state, which changes whenever that part does. A page that follows them reloads only what
 * changed.
 */
export const ChangesSchema = Type.Object({
  /** Instances, orgs, invites, members, the outbox and static tokens: any write to the database. */
  data: Type.Integer(),
  /** Faults added, removed or used. */
  faults: Type.Integer(),
  /** The request journal: the newest entry's id (0 before the first), and how many it holds. */
  journal: Type.Object({ lastId: Type.Integer(), length: Type.Integer() }),
  /** The emulator's time when this was sent, and its offset from real time. */
  clock: ClockSchema
})
export type Changes = Static<typeof ChangesSchema>
