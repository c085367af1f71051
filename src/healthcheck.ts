import { realpathSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { listeningUrl } from './listen-url.js'

/**
 * The container's health probe (the Dockerfile's HEALTHCHECK and the compose example's):
 * `node dist/src/healthcheck.js` exits 0 when GET /_emulator/health answers 200, else 1.
 * It reads the server's own PORT and HOST, so it follows them, and needs no curl in the
 * image. A wildcard HOST (every interface) is probed on loopback.
 */
export function healthUrl (env: NodeJS.ProcessEnv): string {
  const port = env.PORT === undefined || env.PORT === '' ? '8080' : env.PORT
  let host = env.HOST === undefined || env.HOST === '' || env.HOST === '0.0.0.0' ? '127.0.0.1' : env.HOST
  if (host === '::') host = '::1'
  return `${listeningUrl(host, port)}/_emulator/health`
}

export async function probe (url: string, timeoutMs = 2500): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })
    return response.status === 200
  } catch {
    return false
  }
}

// Run as a script (not when imported, e.g. by the tests).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  process.exitCode = await probe(healthUrl(process.env)) ? 0 : 1
}
