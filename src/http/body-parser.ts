import type { FastifyInstance } from 'fastify'
import { errors } from '../errors.js'

/**
 * Deepest JSON body accepted. Every schema here is a few levels deep; JSON.parse takes any
 * depth, but JSON.stringify (of a journaled body, a fault's body) and validators recurse,
 * and would overflow the stack on `[[[[...]]]]`.
 */
const MAX_JSON_DEPTH = 64

/** How deep `[` and `{` nest in JSON text, outside strings; one pass, no parse. */
function nestingDepth (text: string): number {
  let depth = 0
  let deepest = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (inString) {
      if (code === 92) i++ // backslash: skip the escaped character
      else if (code === 34) inString = false
    } else if (code === 34) {
      inString = true
    } else if (code === 91 || code === 123) {
      if (++depth > deepest) deepest = depth
    } else if (code === 93 || code === 125) {
      depth--
    }
  }
  return deepest
}

/**
 * JSON is the only body type. An empty body is no body (`invite is required`, as the real
 * service says), not a parse error, whatever its content type: the official client sends
 * an absent body as an empty form-encoded one. Plain JSON.parse: `__proto__` stays an own
 * key, which the schemas then refuse as an additional property; nothing merges request
 * objects.
 */
export function installJsonBodyParser (app: FastifyInstance): void {
  app.removeAllContentTypeParsers()
  // Any other type: refused before a byte of it is read (so 415 comes before 413), unless
  // the request says it has no body: `Content-Length: 0`, or neither it nor
  // `Transfer-Encoding` (HTTP/1.1's rule for a request without a body).
  app.addContentTypeParser('*', (request, _payload, done) => {
    const { 'content-length': length, 'transfer-encoding': encoding } = request.headers
    if (length === '0' || (length === undefined && encoding === undefined)) done(null, undefined)
    else done(errors.unsupportedMediaType(request.headers['content-type']), undefined)
  })
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string
    if (text.trim() === '') {
      done(null, undefined)
      return
    }
    if (nestingDepth(text) > MAX_JSON_DEPTH) {
      done(errors.nestedTooDeep(MAX_JSON_DEPTH), undefined)
      return
    }
    try {
      done(null, JSON.parse(text))
    } catch {
      done(errors.malformedJson(), undefined)
    }
  })
}
