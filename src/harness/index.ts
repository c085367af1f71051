import type { FastifyInstance, FastifyRequest, onResponseHookHandler, preValidationHookHandler } from 'fastify'
import { extractToken } from '../auth/extract.js'
import type { TokenGrant } from '../auth/grant.js'
import type { TokenService } from '../auth/tokens.js'
import type { Emulator } from '../emulator.js'
import { errors } from '../errors.js'
import { wasRefused } from '../security/origins.js'
import { redactBody, redactHeaders, redactQuery, redactUrl } from '../security/redact.js'
import type { Fault, TokenSummary } from '../schemas/harness.js'
import { FaultList } from './faults.js'
import { DEFAULT_JOURNAL_SIZE, Journal, MAX_JOURNAL_BODY_BYTES, type JournalRecord } from './journal.js'
import { isEmulatorOwn, isUiRequest, requestKey } from './match.js'

export interface HarnessOptions {
  /** false: record nothing. Default true. */
  journal?: boolean
  /** Most entries kept; the oldest are dropped. Default 1000. */
  journalSize?: number
}

/** How the journal treats the web UI's own requests (GET and PUT /_emulator/requests/settings). */
interface JournalSettings {
  /** Journal the UI's requests too, marked `client: "ui"`. Off by default; kept across resets. */
  recordUi: boolean
}

/** The test-harness state: outside the store, out of snapshots, cleared by reset. */
interface Harness {
  journal: Journal
  faults: FaultList
  settings: JournalSettings
}

/** The harness's request hooks, which the request pipeline registers (src/http/pipeline.ts). */
export interface HarnessHooks {
  /** `preValidation`: a matching fault answers, delays or drops the request. */
  faults: preValidationHookHandler
  /** `onResponse`: the request into the journal; undefined when the journal is off (no work per request). */
  journal: onResponseHookHandler | undefined
}

declare module 'fastify' {
  interface FastifyInstance {
    harness: Harness
  }
}

/**
 * The request journal and fault injection, for every request outside the emulator's own
 * routes (`/_emulator`, and `GET /` sending a browser to the UI): what an app under test
 * sends. The web UI's own calls (isUiRequest) use no fault and are journaled only when
 * `settings.recordUi` asks for it: the page never disturbs what it shows.
 *
 * Where faults apply: in `preValidation`, before every route's own checks (src/http/pipeline.ts:
 * validate, authenticate, authorize, look up), as a failing network or gateway would:
 * a fault fires whatever the token or the body. It comes after the body is read, so the
 * journal shows what a faulted request sent; a body that cannot be read (413, 415,
 * malformed JSON) is answered with that error and uses no fault.
 *
 * Faulted requests are journaled like any other, with `fault: <id>`; a dropped
 * connection with `status: null`. Requests the origin guard refused (src/security/origins.ts,
 * before every hook here) are neither faulted nor journaled.
 */
export function installHarness (app: FastifyInstance, emulator: Emulator, options: HarnessOptions = {}): HarnessHooks {
  const journal = new Journal(options.journal === false ? 0 : options.journalSize ?? DEFAULT_JOURNAL_SIZE)
  const faults = new FaultList()
  const harness: Harness = { journal, faults, settings: { recordUi: false } }
  app.decorate('harness', harness)
  // Set by the pipeline once a token is verified (src/http/pipeline.ts), so the journal need not verify it again.
  app.decorateRequest('tokenGrant', undefined)
  emulator.onReset(() => {
    journal.clear()
    faults.clear()
  })
  const faultOf = new WeakMap<FastifyRequest, Fault>()
  const delays = new Set<() => void>()
  // A delayed request must not hold up a stop: its delay ends at once.
  app.addHook('preClose', async () => {
    for (const release of [...delays]) release()
  })

  const faultHook: preValidationHookHandler = (request, reply, done) => {
    if (faults.empty || isOwnRoute(request) || isUiRequest(request.headers)) {
      done()
      return
    }
    const fault = faults.take(requestKey(request.method, request.url))
    if (fault === undefined) {
      done()
      return
    }
    faultOf.set(request, fault)
    const apply = (): void => {
      if (fault.reset === true) {
        if (journal.enabled) journal.record(recordOf(request, null, reply.elapsedTime, emulator.tokens, fault.id, undefined))
        reply.hijack()
        // Destroys the socket over HTTP; `inject` rejects with "response destroyed before completion".
        reply.raw.destroy()
      } else if (fault.status !== undefined) {
        // A string with a JSON type is sent as it is: the route's response schema must not reshape it.
        const body = fault.body === undefined ? errors.injected(fault.status).toBody() : fault.body
        reply.code(fault.status).type('application/json; charset=utf-8').send(JSON.stringify(body) ?? 'null')
      } else {
        done()
      }
    }
    if (fault.delayMs === undefined || fault.delayMs === 0) {
      apply()
      return
    }
    const release = (): void => {
      clearTimeout(timer)
      delays.delete(release)
      apply()
    }
    const timer = setTimeout(release, fault.delayMs)
    delays.add(release)
  }

  const journalHook: onResponseHookHandler = (request, reply, done) => {
    const fault = faultOf.get(request)
    // A request the origin guard refused reached nothing: it is only logged.
    if (fault?.reset !== true && !isOwnRoute(request) && !wasRefused(request)) {
      const ui = isUiRequest(request.headers)
      if (!ui || harness.settings.recordUi) journal.record(recordOf(request, reply.statusCode, reply.elapsedTime, emulator.tokens, fault?.id, ui ? 'ui' : undefined))
    }
    done()
  }
  return { faults: faultHook, journal: journal.enabled ? journalHook : undefined }
}

/**
 * Built without spreads or optional keys: one object shape, a few hundred nanoseconds.
 * Secrets are redacted here, as the log does (src/security/redact.ts): the invite's own
 * token shows in the outbox only, bearer tokens nowhere.
 */
function recordOf (request: FastifyRequest, status: number | null, elapsedMs: number, tokens: TokenService, faultId: string | undefined, client: 'ui' | undefined): JournalRecord {
  const query = (request.query ?? {}) as Record<string, unknown>
  const headers = request.headers
  const body = redactBody(request.body)
  const bodyOmitted = body !== undefined && Number(headers['content-length'] ?? 0) > MAX_JOURNAL_BODY_BYTES
  return {
    id: 0,
    time: Date.now() - elapsedMs,
    method: request.method,
    url: redactUrl(request.url),
    query: redactQuery(query),
    headers: redactHeaders(headers),
    body: bodyOmitted ? undefined : body,
    bodyOmitted,
    token: request.tokenGrant !== undefined
      ? summarizeGrant(request.tokenGrant)
      : readsBearerToken(request) ? summarizeToken(headers.authorization, query, tokens) : undefined,
    status,
    durationMs: Math.round(elapsedMs * 100) / 100,
    fault: faultId,
    client
  }
}

/**
 * Decided by the route the router found (its pattern), as the origin guard decides, so
 * `/%5Femulator/reset` is the reset route here too; the raw URL only for a path no route has.
 */
function isOwnRoute (request: FastifyRequest): boolean {
  return isEmulatorOwn(request.routeOptions.url ?? request.url)
}

function summarizeGrant (grant: TokenGrant): TokenSummary {
  return grant.instanceId === undefined ? { scope: grant.scope } : { scope: grant.scope, instanceId: grant.instanceId }
}

/**
 * Only a route of a Losant action reads a bearer token: elsewhere (`/invites`, unknown
 * paths) a stray `Authorization` header is no token check and shows none.
 */
function readsBearerToken (request: FastifyRequest): boolean {
  return request.routeOptions.config.policy?.access === 'token'
}

/**
 * The token's scopes and instance as the emulator reads them, or why it refuses it: for
 * requests that did not reach authorization (the pipeline's grant is used when they did).
 */
function summarizeToken (authorization: string | undefined, query: Record<string, unknown>, tokens: TokenService): TokenSummary | undefined {
  let token
  try {
    token = extractToken(authorization, query)
  } catch (error) {
    return { scope: [], error: (error as Error).message }
  }
  if (token === undefined) return undefined
  try {
    return summarizeGrant(tokens.verify(token))
  } catch (error) {
    return { scope: [], error: (error as Error).message }
  }
}
