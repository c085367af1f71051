import { STATUS_CODES } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { TSchema } from '@sinclair/typebox'
import { ACTION_SCOPES } from './auth/scopes.js'
import { listeningUrl } from './listen-url.js'
import type { RoutePolicy } from './http/pipeline.js'
import { ChangesSchema, ClockSchema, ClockSetSchema, HealthSchema, InvitePageSchema, OrgSchema, OutboxMessageSchema, TokenRequestSchema, TokenSchema } from './schemas/control.js'
import { ErrorSchema } from './schemas/error.js'
import { FaultSchema, FaultSpecSchema, JournalEntrySchema, JournalSettingsSchema, RemovedSchema } from './schemas/harness.js'
import { OrgInviteSchema } from './schemas/orgInvite.js'
import { OrgInviteCollectionSchema } from './schemas/orgInviteCollection.js'
import { OrgInvitePostSchema } from './schemas/orgInvitePost.js'
import { OrgInviteActionSchema, OrgInviteInfoSchema, OrgInviteResultSchema } from './schemas/orgInvites.js'
import { OrgRoleInfoSchema } from './schemas/orgRoleInfo.js'
import { SnapshotSchema } from './schemas/snapshot.js'
import { DOCS_HEADERS } from './security/headers.js'
import { SuccessSchema } from './schemas/success.js'
import { VERSION } from './version.js'

/**
 * The OpenAPI document (`GET /_emulator/openapi.json`, the page at `/_emulator/docs`),
 * generated from the routes' schemas and policies. Everything here shapes the document
 * only: the routes' own schemas, which validate and serialize, are never changed (the
 * transforms below work on copies).
 */
export interface OpenApiOptions {
  /** When set, the control plane's operations require the admin-token scheme; else none. */
  adminToken?: string
}

/**
 * Schemas the document names (`#/components/schemas/<name>`): wherever one appears whole in
 * a route's body or answer, the document refers to it. Matched by content, so only
 * schemas no other one equals are listed (the control plane's `{id, name}` instance is not).
 */
const NAMED_SCHEMAS: Record<string, TSchema> = {
  OrgInvite: OrgInviteSchema,
  OrgInviteCollection: OrgInviteCollectionSchema,
  OrgInvitePost: OrgInvitePostSchema,
  OrgRoleInfo: OrgRoleInfoSchema,
  OrgInviteInfo: OrgInviteInfoSchema,
  OrgInviteAction: OrgInviteActionSchema,
  OrgInviteResult: OrgInviteResultSchema,
  Success: SuccessSchema,
  Error: ErrorSchema,
  Health: HealthSchema,
  Org: OrgSchema,
  TokenRequest: TokenRequestSchema,
  Token: TokenSchema,
  Snapshot: SnapshotSchema,
  OutboxMessage: OutboxMessageSchema,
  Clock: ClockSchema,
  ClockSet: ClockSetSchema,
  JournalEntry: JournalEntrySchema,
  JournalSettings: JournalSettingsSchema,
  Changes: ChangesSchema,
  InvitePage: InvitePageSchema,
  FaultSpec: FaultSpecSchema,
  Fault: FaultSchema,
  Removed: RemovedSchema
}

const TAGS = [
  { name: 'instanceOrgInvites', description: 'Losant resource `instanceOrgInvites`: the invites of an instance organization' },
  { name: 'instanceOrgInvite', description: 'Losant resource `instanceOrgInvite`: one invite, revoked or resent' },
  { name: 'orgInvites', description: 'Losant resource `orgInvites`: the invitee\'s side, with the invite\'s own token and email' },
  { name: 'control', description: 'The emulator\'s own control plane, under `/_emulator`: set-up, state, time, journal and faults for tests' }
]

type Access = RoutePolicy['access']

/** Where the interactive page for the document is served. */
const DOCS_PATH = '/_emulator/docs'

/** What each status means, by who may call the operation (its policy's access); `what` names a success's answer. */
function describeResponse (status: string, access: Access, what: string | undefined): string {
  const code = Number(status)
  const name = STATUS_CODES[code] ?? status
  if (code < 300) return what === undefined ? name : `${name}: ${what}`
  switch (code) {
    case 400: return 'Validation: a path, query or body parameter is invalid (the first error only), or the body is not valid JSON'
    case 401: return access === 'admin' ? 'Unauthorized: the admin token is missing or wrong' : 'Unauthorized: the token is not valid or has expired'
    case 403: return 'Forbidden: no token, none of the accepted scopes, or a token bound to another instance'
    case 404: return access === 'token' ? 'NotFound: the instance, organization or invite does not exist' : 'NotFound: what the path or body names does not exist'
    case 409: return 'Conflict: the id is taken'
    case 410: return 'Gone: the invite has expired'
    case 413: return 'PayloadTooLarge: the body is larger than the limit'
    case 415: return 'UnsupportedMediaType: a body that is not JSON'
    default: return name
  }
}

/** JSON with its keys sorted: two schemas with the same content say the same. */
function canonical (value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0))
    : v)
}

let namesByContent: Map<string, string> | undefined
let components: Record<string, object> | undefined

function schemaNames (): Map<string, string> {
  if (namesByContent !== undefined) return namesByContent
  const names = new Map<string, string>()
  for (const [name, schema] of Object.entries(NAMED_SCHEMAS)) {
    const key = canonical(schema)
    const other = names.get(key)
    if (other !== undefined) throw new Error(`the named schemas ${other} and ${name} are equal: the document could not tell them apart`)
    names.set(key, name)
  }
  return (namesByContent = names)
}

/** The named schemas as the document's components, made once: the same for every app. */
function componentSchemas (): Record<string, object> {
  return (components ??= Object.fromEntries(Object.entries(NAMED_SCHEMAS).map(([name, schema]) => [name, withRefs(schema) as object])))
}

/** A copy of the schema in which every named schema inside it (itself excepted) is a `$ref`. */
function withRefs (schema: unknown, root = true): unknown {
  if (typeof schema !== 'object' || schema === null) return schema
  if (!root) {
    const name = schemaNames().get(canonical(schema))
    if (name !== undefined) return { $ref: `#/components/schemas/${name}` }
  }
  if (Array.isArray(schema)) return schema.map((item) => withRefs(item, false))
  return Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, withRefs(value, false)]))
}

/** The component a `$ref` names, said by `say`. */
function nameOf (schema: object | undefined, say = (name: string) => name): string | undefined {
  const ref = (schema as { $ref?: string } | undefined)?.$ref
  return ref === undefined ? undefined : say(ref.slice(ref.lastIndexOf('/') + 1))
}

/** `GET /_emulator/instances/{instanceId}` -> `getEmulatorInstancesInstanceId`. */
function operationIdOf (method: string, url: string): string {
  const words = url.split(/[^A-Za-z0-9]+/).filter((word) => word !== '')
  return method.toLowerCase() + words.map((word) => word[0]!.toUpperCase() + word.slice(1)).join('')
}

interface RouteSchema {
  hide?: boolean
  description?: string
  body?: unknown
  response?: Record<string, unknown>
  [key: string]: unknown
}

/** The document's view of one route: who may call it (security, scopes) and what each answer means. */
function transformRoute (routeSchema: FastifySchema, url: string, route: RouteOptions, options: OpenApiOptions): { schema: FastifySchema, url: string } {
  const schema = routeSchema as RouteSchema | undefined
  const policy = route.config?.policy
  if (schema === undefined || schema.hide === true || policy === undefined) return { schema: routeSchema, url }
  const method = Array.isArray(route.method) ? route.method[0]! : route.method
  const response: Record<string, unknown> = {}
  const describe = (status: string, answer: object): object => {
    const documented = withRefs(answer, false) as object
    const what = (answer as { title?: string }).title ?? nameOf(documented) ?? nameOf((documented as { items?: object }).items, (name) => `a list of ${name}`)
    const description = describeResponse(status, policy.access, what)
    // @fastify/swagger reads a response's description from `description` beside a `$ref`,
    // and from this extension (which it then removes) in an inline schema.
    return '$ref' in documented ? { ...documented, description } : { ...documented, 'x-response-description': description }
  }
  // A route that declares no answer (the document's own) answers 200 with a JSON object.
  for (const [status, answer] of Object.entries(schema.response ?? { 200: { type: 'object' } })) response[status] = describe(status, answer as object)
  // Any body may be too large or of another type.
  if (schema.body !== undefined) {
    for (const status of ['413', '415']) response[status] ??= describe(status, ErrorSchema)
  }
  const documented: RouteSchema = {
    ...schema,
    ...(schema.body === undefined ? {} : { body: withRefs(schema.body, false) }),
    response,
    'x-emulator-access': policy.access
  }
  if (policy.access === 'token') {
    const scopes = ACTION_SCOPES[policy.action]
    documented.operationId = policy.action
    documented.description = [`Losant action \`${policy.action}\`. Accepted scopes (any one): ${scopes.map((s) => `\`${s}\``).join(', ')}.`, schema.description].filter((d) => d !== undefined).join('\n\n')
    documented['x-losant-scopes'] = [...scopes]
    documented.security = [{ bearer: [] }, { accessToken: [] }, { jwt: [] }]
  } else if (policy.access === 'public' && policy.action !== undefined) {
    documented.operationId = policy.action
    documented.description = [`Losant action \`${policy.action}\`. No token: the invite's own token and email, from the invitation e-mail, are the credentials.`, schema.description].filter((d) => d !== undefined).join('\n\n')
  } else {
    documented.operationId = operationIdOf(method, url)
    documented.security = policy.access === 'admin' && options.adminToken !== undefined ? [{ adminToken: [] }] : []
  }
  return { schema: documented, url }
}

/** Where the server listens, once it does (`servers` in the document); relative until then. */
function serverOf (address: AddressInfo | string | null): { url: string, description: string } {
  if (address === null || typeof address === 'string') return { url: '/', description: 'the server this document came from' }
  const everywhere = address.address === '0.0.0.0' || address.address === '::'
  return {
    url: listeningUrl(everywhere ? '127.0.0.1' : address.address, address.port),
    description: everywhere ? `the address it listens on: every interface (${address.address}), here through the loopback` : 'the address it listens on'
  }
}

export async function registerOpenApi (app: FastifyInstance, options: OpenApiOptions): Promise<void> {
  // The document is made once and kept; this array, held by it, says where the server
  // listens once it does (a document made before then would otherwise say nothing).
  const servers = [serverOf(null)]
  app.addHook('onListen', function (done) {
    servers.splice(0, servers.length, serverOf(this.server.address()))
    done()
  })
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Losant invites emulator',
        version: VERSION,
        description: 'Losant-compatible instance organization invites, and the emulator\'s control plane under `/_emulator`.',
        license: { name: 'MIT', url: 'https://opensource.org/licenses/MIT' }
      },
      tags: TAGS,
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A Losant token in `Authorization: Bearer <token>` (or `JWT <token>`); mint one with `POST /_emulator/tokens`' },
          accessToken: { type: 'apiKey', in: 'query', name: 'access_token', description: 'The same token in the query' },
          jwt: { type: 'apiKey', in: 'query', name: 'jwt', description: 'The same token in the query' },
          ...(options.adminToken === undefined ? {} : { adminToken: { type: 'http', scheme: 'bearer', description: 'The emulator\'s `--admin-token`' } })
        },
        schemas: componentSchemas()
      }
    },
    transform: ({ schema, url, route }) => transformRoute(schema, url, route as RouteOptions, options),
    transformObject: (document) => 'openapiObject' in document ? { ...document.openapiObject, servers } : document.swaggerObject
  })
  const { 'content-security-policy': csp, ...pageHeaders } = DOCS_HEADERS
  await app.register(swaggerUi, {
    routePrefix: DOCS_PATH,
    // On every answer of the plugin, its static files too.
    staticCSP: csp,
    uiHooks: {
      // The page names its assets relative to itself only when its URL ends in `/`
      // (`./static/...`); without it, and on `static/index.html`'s redirect, they would be
      // absolute and miss behind a path prefix. So both go to `docs/`, by a relative Location.
      onRequest: (request, reply, done) => {
        reply.headers(pageHeaders)
        const path = request.url.split('?')[0]
        if (path === DOCS_PATH) reply.redirect('docs/')
        else if (path === `${DOCS_PATH}/static/index.html`) reply.redirect('../')
        else done()
      }
    },
    // The page reads the document from `docs/json`: there its first server is the page's
    // own origin and path prefix (`../..` from `<prefix>/_emulator/docs/json`), so "Try it
    // out" goes where the page came from, through a reverse proxy too.
    transformSpecification: (document) => ({
      ...document,
      servers: [{ url: '../..', description: 'where this page was opened from (through any path prefix)' }, ...servers]
    })
  })
}
