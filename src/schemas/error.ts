import { Type } from '@sinclair/typebox'

/** Losant's `error` definition: every error body. */
export const ErrorSchema = Type.Object({
  type: Type.String(),
  message: Type.String()
}, { title: 'Error' })
