import { maxHeaderSize, STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify'
import { errors, LosantError, type StorageFailure } from '../errors.js'
import { redactUrl } from '../security/redact.js'
import type { InviteStore } from '../store/types.js'
import type { MethodTable } from './routing.js'

const FASTIFY_CLIENT_ERRORS: Record<string, (error: { message: string }, bodyLimit: number, contentType: string | undefined) => LosantError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: (_e, limit) => errors.payloadTooLarge(limit),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: (_e, _l, type) => errors.unsupportedMediaType(type),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => errors.validation('Content-Length does not match the body')
}

/**
 * One error handler: every error leaves in Losant's shape; 5xx are logged and say nothing
 * internal. A path no route has is 404, a method it does not have 405 with `Allow`.
 */
export function installErrorHandling (app: FastifyInstance, store: InviteStore, methods: MethodTable, bodyLimit: number): void {
  app.setErrorHandler((error: Error & { code?: string, statusCode?: number }, request, reply) => {
    let losant: LosantError
    let failure: StorageFailure | undefined
    if (error instanceof LosantError) {
      losant = error
    } else if (error.code !== undefined && FASTIFY_CLIENT_ERRORS[error.code] !== undefined) {
      losant = FASTIFY_CLIENT_ERRORS[error.code]!(error, bodyLimit, request.headers['content-type'])
    } else if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      losant = errors.ofStatus(error.statusCode, error.message)
    } else if ((failure = store.recordFailure(error)) !== undefined) {
      // A database file gone is logged once, when found (buildApp), not with every write refused.
      if (failure.kind !== 'moved') request.log.error({ err: error, method: request.method, url: redactUrl(request.url), storage: failure.kind }, 'storage failure')
      losant = errors.storageFailure(failure)
    } else {
      request.log.error({ err: error, method: request.method, url: redactUrl(request.url) }, 'unhandled error')
      losant = errors.internal()
    }
    // Answered before the body arrived (413, 415): Fastify asks to close, which would reset
    // the connection under a client still sending; the rest is read instead (connections.ts).
    if (!request.raw.complete) reply.removeHeader('connection')
    return reply.code(losant.statusCode).headers(losant.headers).send(losant.toBody())
  })
  app.setNotFoundHandler(unrouted(methods))
}

/** The answer to a path no route has (404), or a method the path does not have (405 with `Allow`). */
export function unrouted (methods: MethodTable): (request: FastifyRequest, reply: FastifyReply) => FastifyReply {
  return (request, reply) => {
    const path = request.url.split('?')[0] ?? request.url
    const allowed = methods.allowed(path)
    const error = allowed.length > 0 ? errors.methodNotAllowed(request.method, allowed) : errors.pathNotFound(path)
    return reply.code(error.statusCode).headers(error.headers).send(error.toBody())
  }
}

/** Errors raised before routing (Fastify would answer its own body shape): Fastify's `frameworkErrors` option. */
export const answerFrameworkError: NonNullable<FastifyServerOptions['frameworkErrors']> = (error, request, reply) => {
  const path = request.url.split('?')[0] ?? request.url
  const losant = error.code === 'FST_ERR_BAD_URL'
    ? errors.badUrl(path, 'bad percent-encoding')
    : error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? errors.badUrl(path, 'a path segment is too long') : errors.internal()
  return (reply as FastifyReply).code(losant.statusCode).send(losant.toBody())
}

/**
 * What Node's HTTP parser refuses before Fastify sees a request: request line and headers
 * past `http.maxHeaderSize` (16 KiB; a long URL or token too, so 431, never 414), malformed
 * HTTP, a request too slow to arrive. Fastify's default answers its own body shape.
 */
export function answerClientError (error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const losant = error.code === 'HPE_HEADER_OVERFLOW'
    ? errors.headersTooLarge(maxHeaderSize)
    : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? errors.requestTimeout() : errors.malformedRequest()
  const body = JSON.stringify(losant.toBody())
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${losant.statusCode} ${STATUS_CODES[losant.statusCode]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
  }
  socket.destroy(error)
}
