import { Type, type Static } from '@sinclair/typebox'

/** Losant's `error` definition: every error body. */
export const ErrorSchema = Type.Object({
  type: Type.String(),
  message: Type.String()
}, { title: 'Error' })

export type ErrorBody = Static<typeof ErrorSchema>
