import type { FastifyBaseLogger, onResponseHookHandler } from 'fastify'
import { redactUrl } from '../security/redact.js'

/**
 * One line per request: method, path, status, time. Tokens never appear (redactUrl;
 * headers are not logged). Our own line replaces Fastify's two (the `logController` in src/app.ts). Callback
 * style, and nothing built when info is off: no promise, no regex per request; not
 * installed at all when the logger would drop it (logsAt; performance: docs/PERFORMANCE.md).
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

/** Whether `logger` writes lines of `level` (pino's loggers say; any other is taken to). */
export function logsAt (logger: FastifyBaseLogger, level: 'info' | 'fatal'): boolean {
  return (logger as FastifyBaseLogger & { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled?.(level) !== false
}
