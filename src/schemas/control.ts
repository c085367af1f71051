import { Type, type Static } from '@sinclair/typebox'
import { ObjectIdSchema } from './common.js'

/** Schemas of the emulator's own control plane (`/_emulator`). */

/** `degraded` while writes fail for lack of space (`reason` says so); reads still work. */
export const HealthSchema = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
  reason: Type.Optional(Type.String()),
  version: Type.String()
})

export const NameSchema = Type.String({ minLength: 1, maxLength: 255 })

export const InstanceCreateSchema = Type.Object({
  id: Type.Optional(ObjectIdSchema),
  name: Type.Optional(NameSchema)
}, { additionalProperties: false })
export type InstanceCreate = Static<typeof InstanceCreateSchema>

export const InstanceSchema = Type.Object({ id: ObjectIdSchema, name: Type.String() })

export const InstanceParamsSchema = Type.Object({ instanceId: ObjectIdSchema })

export const OrgCreateSchema = InstanceCreateSchema
export type OrgCreate = InstanceCreate

export const OrgSchema = Type.Object({ id: ObjectIdSchema, instanceId: ObjectIdSchema, name: Type.String() })

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
  email: Type.Optional(Type.String({ maxLength: 1024 }))
})

/** An e-mail the real service would have sent: the invite's link carries `token`. */
export const OutboxMessageSchema = Type.Object({
  id: ObjectIdSchema,
  to: Type.String(),
  instanceId: ObjectIdSchema,
  orgId: ObjectIdSchema,
  inviteId: ObjectIdSchema,
  token: Type.String(),
  sentAt: Type.String({ format: 'date-time' })
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
