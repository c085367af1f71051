import type { IncomingHttpHeaders } from 'node:http'
import { compileGlob, GlobTooComplexError } from '../glob.js'

/** What the journal and faults know of a request before matching it. */
export interface RequestKey {
  /** Upper-case. */
  method: string
  /** Without the query string. */
  path: string
  /** Lower-case, from the path; undefined when the path has none. */
  instanceId: string | undefined
  orgId: string | undefined
}

/** The filters the journal and faults share; every one given must match. */
export interface RequestMatch {
  method?: string
  /** A glob over the path (src/glob.ts: whole value, case-insensitive, `*` crosses `/`). */
  path?: string
  instanceId?: string
  orgId?: string
}

export class MatchError extends Error {}

export type RequestMatcher = (key: RequestKey) => boolean

/** Compiles the filters once; throws MatchError for a glob with too many alternatives. */
export function compileMatch (match: RequestMatch): RequestMatcher {
  const method = match.method?.toUpperCase()
  const instanceId = match.instanceId?.toLowerCase()
  const orgId = match.orgId?.toLowerCase()
  let glob: ((value: string) => boolean) | undefined
  if (match.path !== undefined) {
    try {
      const compiled = compileGlob(match.path)
      glob = (value) => compiled.matches(value)
    } catch (error) {
      if (error instanceof GlobTooComplexError) throw new MatchError(`path has ${error.message}`)
      throw error
    }
  }
  return (key) =>
    (method === undefined || key.method === method) &&
    (instanceId === undefined || key.instanceId === instanceId) &&
    (orgId === undefined || key.orgId === orgId) &&
    (glob === undefined || glob(key.path))
}

const IDS = /^\/instances\/([^/]+)(?:\/orgs\/([^/]+))?/i

/** The request's key: its path split from the query, and the ids its path names. */
export function requestKey (method: string, url: string): RequestKey {
  const queryAt = url.indexOf('?')
  const path = queryAt < 0 ? url : url.slice(0, queryAt)
  const ids = IDS.exec(path)
  return {
    method: method.toUpperCase(),
    path,
    instanceId: ids?.[1]?.toLowerCase(),
    orgId: ids?.[2]?.toLowerCase()
  }
}

/** The control plane is never journaled nor faulted. */
function isControlPlane (url: string): boolean {
  return url.startsWith('/_emulator') && (url.length === 10 || url[10] === '/' || url[10] === '?')
}

/**
 * The emulator's own routes, never journaled nor faulted: the control plane, and `GET /`,
 * which only sends a browser to the web UI (a fault there would keep the UI from opening).
 */
export function isEmulatorOwn (url: string): boolean {
  return url === '/' || url.startsWith('/?') || isControlPlane(url)
}

/**
 * The header the web UI sets on every call it makes (src/ui/api.ts). A browser sends a
 * custom header to another origin only after a CORS preflight the emulator does not grant
 * for it, so only the emulator's own page (same origin) or a non-browser client can set it.
 */
const UI_CLIENT_HEADER = 'x-emulator-client'

/**
 * A request the web UI made for its own screens: it uses no fault, and is journaled only
 * when the journal is set to record the UI's requests (then marked `client: "ui"`).
 */
export function isUiRequest (headers: IncomingHttpHeaders): boolean {
  return headers[UI_CLIENT_HEADER] === 'ui'
}
