import type { IncomingMessage, Server, ServerResponse } from 'node:http'

/**
 * How long, and how much, the rest of a request body is read and thrown away after an
 * answer sent before it (nginx's lingering_time is 30 s; it has no size bound).
 */
export interface LingerLimits {
  ms: number
  bytes: number
}

const DEFAULT_LINGER: LingerLimits = { ms: 30_000, bytes: 1024 * 1024 * 1024 }

/**
 * How the emulator's HTTP connections end, where Node's defaults would lose an answer:
 *
 * - An answer sent before the request body has arrived (413 for a body over the limit,
 *   415, the admin token's 401): the connection stays open while the rest of the body is
 *   read and thrown away, as nginx's lingering close does, so the client, still sending,
 *   gets to read the answer. Closing at once (Fastify asks for it on a 413) resets the
 *   connection under a client still writing: through Node's fetch a 5 MiB body failed with
 *   EPIPE in 8 of 10 tries. The reading is bounded (`limits`): past it, the connection is
 *   closed. The answer then keeps the connection alive (the app drops Fastify's
 *   `Connection: close`, src/http/error-handling.ts), and the next request on it is served as usual.
 * - A client that half-closes its side after sending its request (`shutdown(SHUT_WR)`)
 *   still gets its answer: Node ends such a connection at once unless
 *   `httpAllowHalfOpen` is set (a property Node's http server reads; not in its docs), and
 *   answers not yet written (the web UI's files, read from disk) were lost.
 *
 * Nothing is added to a request without a body.
 */
export function installConnectionHandling (server: Server, limits: LingerLimits = DEFAULT_LINGER): void {
  (server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true
  server.prependListener('request', (request: IncomingMessage, response: ServerResponse) => {
    if (!hasBody(request)) return
    response.once('finish', () => {
      if (!request.complete) discardRest(request, limits)
    })
  })
}

/** HTTP/1.1's rule: a request has a body when it says how long it is (and not 0) or that it is chunked. */
function hasBody (request: IncomingMessage): boolean {
  const length = request.headers['content-length']
  return (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined
}

/**
 * The answer is out and the body still arriving: Node reads it and throws it away (it
 * does so for a keep-alive connection, without handing it to the request); here it is
 * only bounded, by time and by the bytes read from the connection since. Past the limits,
 * the connection is closed.
 */
function discardRest (request: IncomingMessage, limits: LingerLimits): void {
  const { socket } = request
  const readBefore = socket.bytesRead
  const close = (): void => {
    stop()
    socket.destroy()
  }
  const timer = setTimeout(close, limits.ms)
  const poll = setInterval(() => {
    if (socket.bytesRead - readBefore > limits.bytes) close()
  }, SIZE_POLL_MS)
  const stop = (): void => {
    clearTimeout(timer)
    clearInterval(poll)
    request.removeListener('end', stop)
    socket.removeListener('close', stop)
  }
  request.once('end', stop)
  socket.once('close', stop)
  // In case nothing reads it (Node does for a keep-alive connection): flowing, it is thrown away.
  request.resume()
}

/** How often the bytes discarded are counted (at loopback speed, some 100 MB pass in between). */
const SIZE_POLL_MS = 50
