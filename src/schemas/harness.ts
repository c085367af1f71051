import { Type, type Static } from '@sinclair/typebox'
import { ObjectIdSchema } from './common.js'

/** Schemas of the test-harness features of the control plane: the request journal and faults. */

/** An HTTP method name, matched case-insensitively. */
const MethodNameSchema = Type.String({ pattern: '^[A-Za-z]{1,16}$' })

/** A glob over the request path (no query string), in the invite filters' syntax (docs/API.md, globs). */
const PathGlobSchema = Type.String({ minLength: 1, maxLength: 256 })

/**
 * `GET` and `DELETE /_emulator/requests`. Query values are strings (no coercion). Unknown
 * parameters are refused: a misspelt `orgid=` must not turn a scoped delete into a global one.
 */
export const RequestQuerySchema = Type.Object({
  method: Type.Optional(MethodNameSchema),
  path: Type.Optional(PathGlobSchema),
  instanceId: Type.Optional(ObjectIdSchema),
  orgId: Type.Optional(ObjectIdSchema),
  /** Entries recorded at or after this time. */
  since: Type.Optional(Type.String({ format: 'date-time' })),
  /** At most this many entries, newest first. */
  limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,6}$' }))
}, { additionalProperties: false })
export type RequestQuery = Static<typeof RequestQuerySchema>

/**
 * `GET /_emulator/requests/stream`: the journal's filters (but `since` and `limit`), and
 * `after`, the id of the last entry the client has: entries past it still in the journal
 * are sent first. A reconnecting EventSource sends the same as `Last-Event-ID`.
 */
export const RequestStreamQuerySchema = Type.Object({
  method: Type.Optional(MethodNameSchema),
  path: Type.Optional(PathGlobSchema),
  instanceId: Type.Optional(ObjectIdSchema),
  orgId: Type.Optional(ObjectIdSchema),
  after: Type.Optional(Type.String({ pattern: '^(0|[1-9][0-9]{0,15})$' }))
}, { additionalProperties: false })

/** What a request's token was, never the token itself. */
const TokenSummarySchema = Type.Object({
  scope: Type.Array(Type.String()),
  instanceId: Type.Optional(Type.String()),
  /** Why the token was refused (`Invalid access token`, `Access token has expired`); its scope is then empty. */
  error: Type.Optional(Type.String())
})
export type TokenSummary = Static<typeof TokenSummarySchema>

export const JournalEntrySchema = Type.Object({
  /** Increasing in the order requests were answered. */
  id: Type.Integer(),
  /** When the request arrived (wall clock, ISO 8601). */
  time: Type.String({ format: 'date-time' }),
  method: Type.String(),
  /** As sent, without the query string. */
  path: Type.String(),
  /** Parsed query; `access_token` and `jwt` values replaced by `[redacted]`. */
  query: Type.Record(Type.String(), Type.Unknown()),
  /** Request headers, lower-case names; the Authorization value replaced by `<scheme> [redacted]`. */
  headers: Type.Record(Type.String(), Type.Unknown()),
  /** The parsed JSON body, when one was read (none over 64 KiB: see `bodyOmitted`). */
  body: Type.Optional(Type.Unknown()),
  bodyOmitted: Type.Optional(Type.Literal(true)),
  /** The token's scopes and instance, when the request carried one to a route that reads it (a Losant action's). */
  token: Type.Optional(TokenSummarySchema),
  /** From the path, lower-case, when it has `/instances/{instanceId}[/orgs/{orgId}]`. */
  instanceId: Type.Optional(Type.String()),
  orgId: Type.Optional(Type.String()),
  /** The status answered; null when a fault dropped the connection. */
  status: Type.Union([Type.Integer(), Type.Null()]),
  durationMs: Type.Number(),
  /** The id of the fault applied to this request. */
  fault: Type.Optional(Type.String()),
  /** `ui`: a request the web UI made for its own screens (journaled only while the journal's settings say `recordUi`). */
  client: Type.Optional(Type.Literal('ui'))
})
export type JournalEntry = Static<typeof JournalEntrySchema>

/** `GET` and `PUT /_emulator/requests/settings`. */
export const JournalSettingsSchema = Type.Object({
  /** Journal the web UI's own requests too (marked `client: "ui"`); they never use a fault either way. */
  recordUi: Type.Boolean()
}, { additionalProperties: false })

export const RemovedSchema = Type.Object({ success: Type.Literal(true), removed: Type.Integer() })

export const FaultSpecSchema = Type.Object({
  method: Type.Optional(MethodNameSchema),
  path: PathGlobSchema,
  instanceId: Type.Optional(ObjectIdSchema),
  orgId: Type.Optional(ObjectIdSchema),
  /** How many matching requests get the fault. Default 1. */
  times: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  /** Wait this long first; alone, the request is then answered normally. */
  delayMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000 })),
  /** Answer this status: with `body` as given, else a Losant-shaped error (400 and up only). */
  status: Type.Optional(Type.Integer({ minimum: 200, maximum: 599 })),
  body: Type.Optional(Type.Unknown()),
  /** Drop the connection without an answer. */
  reset: Type.Optional(Type.Literal(true))
}, { additionalProperties: false })
export type FaultSpec = Static<typeof FaultSpecSchema>

export const FaultSchema = Type.Object({
  id: Type.String(),
  method: Type.Optional(Type.String()),
  path: Type.String(),
  instanceId: Type.Optional(Type.String()),
  orgId: Type.Optional(Type.String()),
  times: Type.Integer(),
  /** Matching requests still to get the fault; 0 once used up (it stays listed until deleted). */
  remaining: Type.Integer(),
  delayMs: Type.Optional(Type.Integer()),
  status: Type.Optional(Type.Integer()),
  body: Type.Optional(Type.Unknown()),
  reset: Type.Optional(Type.Literal(true))
})
export type Fault = Static<typeof FaultSchema>

export const FaultParamsSchema = Type.Object({ faultId: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }) })
