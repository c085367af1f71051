import type { JournalEntry } from '../schemas/harness.js'
import { apiUrl } from './api.js'

/** Headers curl sets itself, or that describe the connection rather than the request. */
const LEFT_OUT = new Set(['host', 'content-length', 'connection', 'accept-encoding', 'user-agent', 'keep-alive', 'transfer-encoding'])

function quote (text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`
}

/**
 * A journaled request as a curl command line, to this emulator (through whatever prefix
 * the page sits under). The token stays redacted, as the journal keeps it: put yours back.
 */
export function curlCommand (entry: JournalEntry): string {
  const url = apiUrl(entry.path.replace(/^\/+/, ''))
  for (const [key, value] of Object.entries(entry.query)) {
    for (const one of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(one))
  }
  const parts = ['curl', ...(entry.method === 'GET' ? [] : ['-X', entry.method]), quote(url.href)]
  for (const [name, value] of Object.entries(entry.headers)) {
    if (LEFT_OUT.has(name)) continue
    for (const one of Array.isArray(value) ? value : [value]) parts.push('-H', quote(`${name}: ${String(one)}`))
  }
  if (entry.body !== undefined) parts.push('--data-raw', quote(JSON.stringify(entry.body)))
  return parts.join(' ')
}
