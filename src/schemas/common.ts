import { Type, type TUnsafe } from '@sinclair/typebox'

/** Losant ids are MongoDB ObjectIds: 24 hex characters. */
const OBJECT_ID_PATTERN = '^[A-Fa-f\\d]{24}$'
export const ObjectIdSchema = Type.String({ pattern: OBJECT_ID_PATTERN })

/**
 * A string enum as plain JSON Schema `enum`, so a bad value reports the framework's
 * `must be an enum value` (TypeBox's own unions compile to anyOf/const).
 */
export function StringEnum<const T extends readonly string[]> (values: T, options: Record<string, unknown> = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ ...options, type: 'string', enum: [...values] })
}

const ORG_ROLES = ['admin', 'edit', 'collaborate', 'view', 'none'] as const
const RESOURCE_ROLES = ['collaborate', 'view', 'none'] as const

export const OrgRoleSchema = StringEnum(ORG_ROLES)

const ResourceRoleSchema = Type.Object({
  resourceId: ObjectIdSchema,
  role: StringEnum(RESOURCE_ROLES)
}, { additionalProperties: false })

export const ResourceRolesSchema = Type.Array(ResourceRoleSchema, { maxItems: 100 })

export const EmailSchema = Type.String({ format: 'email', maxLength: 1024 })

/** `_links.self.href`, as the framework decorates entities (docs/API.md, response decoration). */
export const LinksSchema = Type.Object({
  self: Type.Object({ href: Type.String() })
})

/**
 * The query parameters every Losant operation takes (Losant's global parameters), booleans:
 * the official client sends `_actions=false&_links=true&_embedded=true` on every call. Only
 * `_links=false` changes an answer here (no `_links`); the others are checked and ignored.
 */
export const GlobalQueryProperties = {
  _actions: Type.Optional(Type.Boolean({ description: 'Return resource actions in response' })),
  _links: Type.Optional(Type.Boolean({ description: 'Return resource link in response (default true)' })),
  _embedded: Type.Optional(Type.Boolean({ description: 'Return embedded resources in response' }))
}

/** The query of a Losant operation that takes no query parameter of its own. */
export const GlobalQuerySchema = Type.Object(GlobalQueryProperties)

/** The header every Losant operation takes: accepted, with no effect here. */
export const LosantHeadersSchema = Type.Object({
  losantdomain: Type.Optional(Type.String({ description: 'Domain scope of request (rarely needed)' }))
})
