import { timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyRequest, RouteOptions, onRequestAsyncHookHandler, onRequestHookHandler, preValidationHookHandler } from 'fastify'
import cors from '@fastify/cors'
import { extractToken } from '../auth/extract.js'
import type { TokenGrant } from '../auth/grant.js'
import { hasAcceptedScope, type LosantAction } from '../auth/scopes.js'
import type { TokenService } from '../auth/tokens.js'
import { errors } from '../errors.js'
import type { HarnessHooks } from '../harness/index.js'
import { originGuard, type OriginPolicy } from '../security/origins.js'
import { lazyValidator, losantQueryValidator, losantValidator, type Validator } from '../validation.js'
import { installJsonBodyParser } from './body-parser.js'
import { unrouted } from './error-handling.js'
import { logRequest, logsAt } from './request-log.js'
import type { MethodTable } from './routing.js'

/**
 * Every step that decides what a request gets, in the order it runs: the first step that
 * answers wins. `installPipeline` registers them in this order, and only it; the test of
 * the order (test/http/pipeline.test.ts) drives a request across every boundary of this
 * list. The order is the contract's, with the emulator's own steps around it (docs/API.md,
 * order of checks).
 */
export const REQUEST_STEPS = [
  /** `onRequest`: a Host that is not allowed, or another site's page (403; no Host 400). src/security/origins.ts */
  'origin',
  /** `onRequest`: an OPTIONS that is no CORS preflight, answered as any method a path lacks (405 or 404). */
  'options',
  /** `onRequest`: CORS headers, and a preflight answered (204). @fastify/cors, by surface: src/security/origins.ts */
  'cors',
  /** `onRequest`, per route: the control plane's admin token, when one is set (401), before the body is read. */
  'admin token',
  /** Content-type parsing: another type (415), too large (413), malformed or too deep JSON (400). ./body-parser.ts */
  'body',
  /** `preValidation`: an injected fault (any status, a delay, a dropped connection). src/harness */
  'fault',
  /** `preValidation`, per route: path parameters, then query, then body, the first error only (400). */
  'validation',
  /** `preValidation`, per route: a token that is present but not valid (401). */
  'authentication',
  /** `preValidation`, per route: no token, no accepted scope, another instance's token (403). */
  'authorization',
  /** The handler: the instance, the organization, the invite (404 each). */
  'look-up'
] as const

/**
 * Who may call a route, declared in its `config.policy`:
 * - `token`: a Losant action; a bearer token with one of the action's scopes.
 * - `public`: anyone (health; `/invites`, where the invite's own token is the credential,
 *   with its Losant action).
 * - `admin`: the control plane; the admin token when one is configured, else anyone.
 */
export type RoutePolicy =
  | { access: 'token', action: LosantAction, body?: BodyPolicy }
  | { access: 'public', action?: PublicLosantAction, body?: BodyPolicy }
  | { access: 'admin', body?: BodyPolicy }

/** The Losant actions that take no token (`/invites`): the invite's own token and email are the credentials. */
type PublicLosantAction = 'orgInvites.get' | 'orgInvites.post'

/** `name` is the body parameter's name in messages (`invite.email is required`); '' for none. */
interface BodyPolicy { name: string, required: boolean }

declare module 'fastify' {
  interface FastifyContextConfig {
    policy?: RoutePolicy
  }
  interface FastifyRequest {
    /** The verified token's grant, once authorized: the request journal shows it (src/harness). */
    tokenGrant: TokenGrant | undefined
  }
}

interface PipelineDependencies {
  tokens: TokenService
  adminToken?: string
}

export interface PipelineParts extends PipelineDependencies {
  origins: OriginPolicy
  harness: HarnessHooks
  /** Filled here from every route registered (the 405's `Allow`). */
  methods: MethodTable
}

/**
 * Registers every hook that decides what a request gets, in REQUEST_STEPS's order (Fastify
 * runs hooks of one kind in the order they are added, app-wide before per-route), then
 * what happens after the answer (the request log, the journal). Call it before any route
 * is registered: the per-route steps are installed from `onRoute`.
 */
export async function installPipeline (app: FastifyInstance, parts: PipelineParts): Promise<void> {
  const { origins, harness, methods } = parts
  app.addHook('onRequest', originGuard(origins))
  app.addHook('onRequest', answerNonPreflightOptions(methods))
  // CORS by surface: the Losant routes for any origin, the rest as configured (src/security/origins.ts).
  await app.register(cors, { delegator: (request, callback) => callback(null, origins.corsOptions(request)) })
  app.addHook('onRoute', (routeOptions) => {
    methods.add(routeOptions.url ?? routeOptions.path, routeOptions.method)
    // The admin token (onRequest), validation, authentication, authorization (preValidation).
    installRequestChecks(routeOptions, parts)
  })
  installJsonBodyParser(app)
  app.addHook('preValidation', harness.faults)
  // Validation is ours (installRequestChecks); Fastify's would run in another order and coerce.
  app.setValidatorCompiler(() => () => true)

  // Not a hook per request for a line the logger would drop (--log-level above info).
  if (logsAt(app.log, 'info')) app.addHook('onResponse', logRequest)
  if (harness.journal !== undefined) app.addHook('onResponse', harness.journal)
}

/**
 * @fastify/cors takes every OPTIONS request, and answers one that is not a CORS preflight
 * (no Origin or Access-Control-Request-Method) in plain text: here it is answered as any
 * method a path does not have. Registered before the CORS hook.
 */
function answerNonPreflightOptions (methods: MethodTable): onRequestHookHandler {
  const answer = unrouted(methods)
  return (request, reply, done) => {
    if (request.method === 'OPTIONS' && (request.headers.origin === undefined || request.headers['access-control-request-method'] === undefined)) {
      answer(request, reply)
      return
    }
    done()
  }
}

/**
 * The order of checks every route goes through, as Losant's framework does it
 * (docs/API.md, order of checks):
 *   1. validate path params, then query, then body (first error only) -> 400
 *   2. authenticate the token, if one is present                       -> 401
 *   3. authorize: an accepted scope, the token's instance              -> 403
 *   4. the handler looks the resources up                              -> 404
 * Control-plane routes behind an admin token check it first, in `onRequest`: before the
 * body is read or parsed (413, 415, malformed JSON) and before validation.
 * Installed per route from `onRoute`, before Fastify's own validation (which is off:
 * it would check the body before the query, coerce types and drop unknown properties).
 */
function installRequestChecks (routeOptions: RouteOptions, deps: PipelineDependencies): void {
  const policy = routeOptions.config?.policy
  if (policy === undefined) return
  const schema = (routeOptions.schema ?? {}) as { params?: object, querystring?: object, body?: object }
  // Compiled on a route's first request, not at start-up (start-up time: docs/PERFORMANCE.md).
  // The Losant routes validate with the real service's validator, in its words; the control
  // plane with Ajv, whose messages name an unknown property (a misspelt journal filter).
  let validateParams: Validator | null
  let validateQuery: Validator | null
  let validateBody: Validator | null
  if (policy.access === 'admin') {
    const named = { nameAdditional: true }
    validateParams = schema.params === undefined ? null : lazyValidator(schema.params, '', { ...named, rootName: 'path' })
    validateQuery = schema.querystring === undefined ? null : lazyValidator(schema.querystring, '', { ...named, rootName: 'query' })
    validateBody = schema.body === undefined ? null : lazyValidator(schema.body, policy.body?.name ?? '', named)
  } else {
    validateParams = schema.params === undefined ? null : losantValidator(schema.params, '', 'path')
    validateQuery = schema.querystring === undefined ? null : losantQueryValidator(schema.querystring)
    validateBody = schema.body === undefined ? null : losantValidator(schema.body, policy.body?.name ?? '')
  }

  const { adminToken } = deps
  if (policy.access === 'admin' && adminToken !== undefined) {
    // The control plane is the emulator's own: behind an admin token it says nothing,
    // not even what is wrong with the body, to a caller without it.
    const checkAdmin: onRequestAsyncHookHandler = async (request) => authorizeAdmin(request, adminToken)
    routeOptions.onRequest = prependHook(checkAdmin, routeOptions.onRequest)
  }
  // Callback style: no promise and no microtask per request (performance: docs/PERFORMANCE.md).
  const check: preValidationHookHandler = (request, _reply, done) => {
    try {
      validate(request, policy, validateParams, validateQuery, validateBody)
      if (policy.access === 'token') authorizeToken(request, policy.action, deps.tokens)
    } catch (error) {
      done(error as Error)
      return
    }
    done()
  }
  routeOptions.preValidation = prependHook(check, routeOptions.preValidation)
}

function prependHook<T> (hook: T, existing: T | T[] | undefined): T[] {
  return existing === undefined ? [hook] : [hook, ...(Array.isArray(existing) ? existing : [existing])]
}

function validate (
  request: FastifyRequest,
  policy: RoutePolicy,
  validateParams: Validator | null,
  validateQuery: Validator | null,
  validateBody: Validator | null
): void {
  let message = validateParams?.(request.params) ?? validateQuery?.(request.query) ?? null
  if (message === null && validateBody !== null) {
    if (request.body === undefined) {
      if (policy.body?.required === true) message = `${policy.body.name === '' ? 'body' : policy.body.name} is required`
      else request.body = {}
    }
    message ??= validateBody(request.body)
  }
  if (message !== null) throw errors.validation(message)
}

function authorizeToken (request: FastifyRequest, action: LosantAction, tokens: TokenService): void {
  const token = extractToken(request.headers.authorization, request.query as Record<string, unknown>)
  if (token === undefined) throw errors.forbidden()
  const grant = tokens.verify(token)
  request.tokenGrant = grant
  if (!hasAcceptedScope(grant.scope, action)) throw errors.forbidden()
  const instanceId = (request.params as { instanceId?: string }).instanceId
  // A token bound to an instance acts on that instance only (a choice; docs/API.md, tokens).
  if (grant.instanceId !== undefined && instanceId !== undefined && grant.instanceId.toLowerCase() !== instanceId.toLowerCase()) {
    throw errors.forbidden()
  }
}

function authorizeAdmin (request: FastifyRequest, adminToken: string): void {
  const header = request.headers.authorization
  const match = typeof header === 'string' ? /^bearer[ \t]+(.+)$/i.exec(header.trim()) : null
  const given = Buffer.from(match?.[1] ?? '')
  const expected = Buffer.from(adminToken)
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw errors.adminTokenRequired()
}
