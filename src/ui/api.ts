/**
 * Every call the UI makes, over HTTP only. URLs are relative to the page
 * (`<prefix>/_emulator/ui/`): the control plane is `../`, the Losant API `../../`, so the
 * UI works under whatever path prefix a reverse proxy puts it.
 */

const CONTROL_BASE = new URL('../', document.baseURI)
const API_BASE = new URL('../../', document.baseURI)
const ADMIN_TOKEN_KEY = 'losant-emulator-admin-token'

/** An answer other than 2xx, with the server's own `{type, message}` when it sent one. */
export class ApiError extends Error {
  readonly status: number
  readonly type: string

  constructor (status: number, type: string, message: string) {
    super(message)
    this.status = status
    this.type = type
  }
}

export type Query = Record<string, string | number | undefined>

export function controlUrl (path: string, query: Query = {}): URL {
  return withQuery(new URL(path, CONTROL_BASE), query)
}

export function apiUrl (path: string, query: Query = {}): URL {
  return withQuery(new URL(path, API_BASE), query)
}

function withQuery (url: URL, query: Query): URL {
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') url.searchParams.set(key, String(value))
  }
  return url
}

// ---- the admin token (--admin-token): asked once, kept for the browser tab ----------

export function adminToken (): string | null {
  return sessionStorage.getItem(ADMIN_TOKEN_KEY)
}

export function setAdminToken (token: string): void {
  sessionStorage.setItem(ADMIN_TOKEN_KEY, token)
}

/** Called when the control plane answers 401: the app then asks for the admin token. */
let onAdminTokenRefused: (error: ApiError) => void = () => {}
export function whenAdminTokenRefused (handler: (error: ApiError) => void): void {
  onAdminTokenRefused = handler
}

/**
 * Sent with every call: the emulator's harness knows the UI's own requests by it, and
 * neither uses a fault on them nor journals them unless asked to (README, request journal
 * and faults). Only a same-origin page can send it: the emulator grants no other origin
 * this header.
 */
export const UI_MARK: Readonly<Record<string, string>> = { 'x-emulator-client': 'ui' }

export function adminHeaders (): Record<string, string> {
  const token = adminToken()
  return token === null ? {} : { authorization: `Bearer ${token}` }
}

// ---- requests --------------------------------------------------------------------

interface CallOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE'
  /** Sent as JSON; a string is sent as it is (an uploaded snapshot). */
  body?: unknown
  headers?: Record<string, string>
}

async function call<T> (url: URL, options: CallOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...UI_MARK, ...options.headers }
  let body: string | undefined
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json'
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body)
  }
  let response: Response
  try {
    response = await fetch(url, { method: options.method ?? 'GET', headers, body, cache: 'no-store' })
  } catch (error) {
    throw new ApiError(0, 'NetworkError', `The emulator did not answer: ${(error as Error).message}`)
  }
  const text = await response.text()
  let parsed: unknown
  try {
    parsed = text === '' ? undefined : JSON.parse(text)
  } catch {
    parsed = text
  }
  if (!response.ok) {
    const error = parsed as { type?: unknown, message?: unknown } | undefined
    throw new ApiError(
      response.status,
      typeof error?.type === 'string' ? error.type : response.statusText,
      typeof error?.message === 'string' ? error.message : `${response.status} ${response.statusText}`
    )
  }
  return parsed as T
}

/** The emulator's own endpoints (`/_emulator/...`), with the admin token when there is one. */
export async function control<T> (path: string, options: CallOptions & { query?: Query } = {}): Promise<T> {
  try {
    return await call<T>(controlUrl(path, options.query), { ...options, headers: { ...adminHeaders(), ...options.headers } })
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) onAdminTokenRefused(error)
    throw error
  }
}

/** The public invitee endpoints (`/invites`): the invite's own token is the credential. */
export async function publicApi<T> (path: string, options: CallOptions & { query?: Query } = {}): Promise<T> {
  return await call<T>(apiUrl(path, options.query), options)
}

// ---- the Losant API, with a token the UI mints for itself ------------------------

let ownToken: Promise<string> | undefined

async function mintOwnToken (): Promise<string> {
  const minted = await control<{ token: string }>('tokens', { method: 'POST', body: { scope: ['all.Instance'], expiresIn: 3600 } })
  return minted.token
}

/**
 * The Losant API as any client calls it. The token is minted once; minted tokens survive
 * resets and snapshots, but not a token an hour old or a new database: one 401 mints anew.
 */
export async function losant<T> (path: string, options: CallOptions & { query?: Query } = {}): Promise<T> {
  const url = apiUrl(path, options.query)
  for (let attempt = 0; ; attempt++) {
    ownToken ??= mintOwnToken()
    const pending = ownToken
    let token: string
    try {
      token = await pending
    } catch (error) {
      ownToken = undefined
      throw error
    }
    try {
      return await call<T>(url, { ...options, headers: { ...options.headers, authorization: `Bearer ${token}` } })
    } catch (error) {
      if (attempt > 0 || !(error instanceof ApiError) || error.status !== 401) throw error
      if (ownToken === pending) ownToken = undefined
    }
  }
}
