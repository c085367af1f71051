import type { FastifyBaseLogger, onResponseHookHandler } from 'fastify'
import { redactUrl } from '../security/redact.js'

/**
 * One line per request: method, path, status, time. Tokens never appear (redactUrl;
 * headers are not logged). Our own line replaces Fastify's two (the `logController` in src/app.ts). Callback
 * style, and nothing built when info is off (--log-level silent): no promise, no regex per
 * request (performance: docs/PERFORMANCE.md).
 */
export const logRequest: onResponseHookHandler = (request, reply, done) => {
  const log = request.log as FastifyBaseLogger & { isLevelEnabled?: (level: string) => boolean }
  if (log.isLevelEnabled?.('info') !== false) {
    log.info({
      method: request.method,
      url: redactUrl(request.url),
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10
    }, 'request')
  }
  done()
}
