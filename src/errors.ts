import { STATUS_CODES } from 'node:http'

/**
 * Storage that failed under a request: clients and health are told the cause by name.
 * full: no space left; readonly: the file or its file system refuses writes; io: the disk
 * reported an error; damaged: the file is corrupt; moved: the database file (or its -wal
 * file) was deleted or replaced while the emulator ran, so nothing written could survive
 * a restart.
 */
export type StorageFailure =
  | { kind: 'full' | 'readonly' | 'io' | 'damaged', database: string }
  | { kind: 'moved', database: string, file: string, change: 'deleted' | 'replaced' }

/**
 * Every error the emulator answers with is built here, in Losant's shape:
 * `{"type": string, "message": string}` and nothing else. The literals come from
 * the contract (docs/API.md, errors); routes never build error bodies themselves.
 */
export class LosantError extends Error {
  readonly statusCode: number
  readonly type: string
  readonly headers: Readonly<Record<string, string>>

  constructor (statusCode: number, type: string, message: string, headers: Record<string, string> = {}) {
    super(message)
    this.statusCode = statusCode
    this.type = type
    this.headers = headers
  }

  toBody (): { type: string, message: string } {
    return { type: this.type, message: this.message }
  }
}

const STORAGE_FAILURES: Record<'readonly' | 'io' | 'damaged', (database: string) => string> = {
  readonly: (database) => `The database ${database} is read-only (its file or file system refuses writes): the change was not saved`,
  io: (database) => `The disk holding the database ${database} reported an I/O error: the request was not completed`,
  damaged: (database) => `The database ${database} is damaged (SQLite reports it corrupt)`
}

function fileMoved ({ file, change }: { file: string, change: 'deleted' | 'replaced' }): string {
  return `The database file ${file} was ${change === 'deleted' ? 'deleted' : 'replaced by another file'} while the emulator was running`
}

/** Why writes fail now, as health says it (`reason`, with status `degraded`). */
export function storageProblemReason (failure: StorageFailure): string {
  if (failure.kind === 'full') return `The disk holding the database ${failure.database} is full: writes fail until space is freed`
  if (failure.kind === 'moved') return `${fileMoved(failure)}: writes are refused until the emulator restarts`
  return STORAGE_FAILURES[failure.kind](failure.database)
}

export const errors = {
  validation: (message: string) => new LosantError(400, 'Validation', message),
  malformedJson: () => new LosantError(400, 'Validation', 'Request body is not valid JSON'),
  nestedTooDeep: (maxDepth: number) => new LosantError(400, 'Validation', `Request body is nested more than ${maxDepth} levels deep`),
  invalidToken: () => new LosantError(401, 'Unauthorized', 'Invalid access token'),
  expiredToken: () => new LosantError(401, 'Unauthorized', 'Access token has expired'),
  forbidden: () => new LosantError(403, 'Forbidden', 'Access is forbidden'),
  adminTokenRequired: () => new LosantError(401, 'Unauthorized', 'The control plane requires the admin token: Authorization: Bearer <admin token>'),
  /** `title` is the resource's title as the framework names it: "Instance", "Organization", "Invite". */
  notFound: (title: string) => new LosantError(404, 'NotFound', `${title} was not found`),
  pathNotFound: (path: string) => new LosantError(404, 'NotFound', `${path} does not exist`),
  /** A URL the router cannot take apart (choice): bad percent-encoding, or a path segment past the router's limit. */
  badUrl: (path: string, reason: string) => new LosantError(400, 'BadRequest', `${path} is not a valid URL: ${reason}`),
  methodNotAllowed: (method: string, allowed: readonly string[]) =>
    new LosantError(405, 'MethodNotAllowed', `${method} is not allowed`, { allow: allowed.join(', ') }),
  conflict: (message: string) => new LosantError(409, 'Conflict', message),
  gone: (message: string) => new LosantError(410, 'Gone', message),
  /** Node's HTTP parser refuses these before any route runs (choice: the same shape as every other error). */
  headersTooLarge: (limitBytes: number) =>
    new LosantError(431, 'RequestHeaderFieldsTooLarge', `Request line and headers are larger than the limit of ${limitBytes} bytes`),
  malformedRequest: () => new LosantError(400, 'BadRequest', 'Malformed HTTP request'),
  requestTimeout: () => new LosantError(408, 'RequestTimeout', 'The request was not received in time'),
  payloadTooLarge: (limitBytes: number) =>
    new LosantError(413, 'PayloadTooLarge', `Request body is larger than the limit of ${limitBytes} bytes`),
  unsupportedMediaType: (contentType: string | undefined) =>
    new LosantError(415, 'UnsupportedMediaType', `Unsupported content type: ${contentType ?? '(none)'}; send application/json`),
  /** dist/ui is missing: the server runs from a checkout whose front end was never built. */
  uiNotBuilt: () => new LosantError(404, 'NotFound', 'The web UI is not built: run npm run build'),
  internal: () => new LosantError(500, 'InternalError', 'An unexpected error occurred'),
  /** No space left for a write (choice: WebDAV's 507, the status that says so). */
  insufficientStorage: (database: string) => new LosantError(507, 'InsufficientStorage',
    `The disk holding the database ${database} is full: the change was not saved. Writes work again once space is freed, without a restart`),
  /** Storage that failed otherwise: the message names the cause, never only "unexpected". */
  storageFailure: (failure: StorageFailure): LosantError => {
    if (failure.kind === 'full') return errors.insufficientStorage(failure.database)
    if (failure.kind === 'moved') {
      return new LosantError(500, 'InternalError', `${fileMoved(failure)}: the change was not saved. ` +
        'Writes are refused until the emulator restarts; GET /_emulator/snapshot still answers the data it held')
    }
    return new LosantError(500, 'InternalError', STORAGE_FAILURES[failure.kind](failure.database))
  },
  /** A fault injected through `/_emulator/faults`: the type is the status's name (`ServiceUnavailable`). */
  injected: (status: number) => new LosantError(status, typeOf(status), `Injected fault: ${status} ${STATUS_CODES[status] ?? 'Error'}`),
  /** Any other client error (a library's): the type is the status's name, as for every error here. */
  ofStatus: (status: number, message: string) => new LosantError(status, typeOf(status), message),

  // Where a request may come from (src/security/origins.ts, docs/SECURITY.md). Each says what to set to allow it.
  /** HTTP/1.1 requires Host (RFC 9112: a 400). */
  hostMissing: () => new LosantError(400, 'BadRequest', 'The request has no Host header, which HTTP/1.1 requires'),
  hostNotAllowed: (host: string, name: string | undefined) => new LosantError(403, 'Forbidden', name === undefined
    ? `Host ${JSON.stringify(host)} is not a host name the emulator answers`
    : `Host ${JSON.stringify(host)} is not allowed (a guard against DNS rebinding): to allow it, start the emulator with ` +
      `--allowed-hosts ${name} (or LOSANT_EMULATOR_ALLOWED_HOSTS=${name}); see docs/SECURITY.md`),
  /** `origin` undefined: the browser said `Sec-Fetch-Site: cross-site` without one. */
  crossSiteRefused: (path: string, origin: string | undefined) => new LosantError(403, 'Forbidden', origin === undefined
    ? `A page on another site may not call ${path} (Sec-Fetch-Site: cross-site): the control plane and /invites answer only the emulator's own pages and allowed origins; see docs/SECURITY.md`
    : origin === 'null'
      ? `A page with an opaque origin (Origin: null: a sandboxed frame or a local file) may not call ${path}: the control plane and /invites answer only the emulator's own pages and allowed origins; see docs/SECURITY.md`
      : `A page on another site (${origin}) may not call ${path}: the control plane and /invites answer only the emulator's own pages and allowed origins; ` +
        `to allow it, start the emulator with --cors-origins ${origin} (or LOSANT_EMULATOR_CORS_ORIGINS=${origin}); see docs/SECURITY.md`),
  corsNotGranted: (path: string, origin: string) => new LosantError(403, 'Forbidden',
    `The control plane grants cross-origin access only to the origins in --cors-origins: to let ${origin} call ${path} from a browser, ` +
    `start the emulator with --cors-origins ${origin} (or LOSANT_EMULATOR_CORS_ORIGINS=${origin}); see docs/SECURITY.md`)
}

/** The status's name as an error type: `Forbidden`, `NotFound`, `ServiceUnavailable`; 500 is Losant's `InternalError`. */
function typeOf (status: number): string {
  return status === 500 ? 'InternalError' : (STATUS_CODES[status] ?? 'Error').replace(/[^A-Za-z]/g, '')
}
