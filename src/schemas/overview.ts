import { Type, type Static } from '@sinclair/typebox'
import { ClockSchema } from './control.js'

/** `GET /_emulator/overview`: what the emulator is and holds, in one answer. */
export const OverviewSchema = Type.Object({
  version: Type.String(),
  /** The SQLite file as given at start-up, or `:memory:`. */
  database: Type.String(),
  /** When this server started (wall clock, ISO 8601). */
  startedAt: Type.String({ format: 'date-time' }),
  uptimeMs: Type.Integer(),
  /** The emulator's time and its offset from real time, as `GET /_emulator/clock`. */
  clock: ClockSchema,
  /** Most requests the journal keeps; 0 when it is off. */
  journalSize: Type.Integer(),
  counts: Type.Object({
    instances: Type.Integer(),
    orgs: Type.Integer(),
    /** Pending invites, in every org. */
    invites: Type.Integer(),
    /** Messages in the outbox. */
    outbox: Type.Integer(),
    /** Entries in the request journal. */
    requests: Type.Integer(),
    /** Faults with a count left. */
    faults: Type.Integer()
  })
})
export type Overview = Static<typeof OverviewSchema>
