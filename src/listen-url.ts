/**
 * The URL of a server listening on `host` and `port`: an IPv6 address in brackets. One
 * place for the CLI's "listening on", startEmulator's `url`, the OpenAPI document's server
 * and the container's health probe. A leaf: it imports nothing.
 */
export function listeningUrl (host: string, port: number | string): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`
}
