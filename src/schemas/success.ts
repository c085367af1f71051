import { Type } from '@sinclair/typebox'

/** Losant's `success`. */
export const SuccessSchema = Type.Object({ success: Type.Literal(true) }, { title: 'Success' })
