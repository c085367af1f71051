import type { JournalEntry } from '../schemas/harness.js'
import { apiUrl } from './api.js'

/**
 * Headers curl sets itself, that describe the connection rather than the request, that a
 * browser adds about the page it was on (origin, referer, sec-fetch-*: replayed from a
 * terminal they would be false), or the UI's own mark.
 */
const LEFT_OUT = new Set(['host', 'content-length', 'connection', 'accept-encoding', 'user-agent', 'keep-alive', 'transfer-encoding', 'origin', 'referer', 'x-emulator-client'])
const LEFT_OUT_PREFIXES = ['sec-fetch-', 'sec-ch-']

/** What the journal keeps in place of a secret (README, request journal). */
const REDACTED = '[redacted]'

/** Shell variables the command reads the secrets from, with what to set them to. */
const TOKEN_VARIABLE = { name: 'TOKEN', what: 'a Losant bearer token' }
const INVITE_TOKEN_VARIABLE = { name: 'INVITE_TOKEN', what: 'the invite token of the e-mail' }
type Variable = typeof TOKEN_VARIABLE

/** One shell word, made of literal text and variables. */
type Piece = string | Variable

function quote (text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`
}

/**
 * A word for sh, bash or zsh: literals single-quoted, each variable as `"${NAME:?...}"`,
 * so an unset variable stops the command with a message naming it instead of sending an
 * empty token.
 */
function word (pieces: Piece[]): string {
  const merged: Piece[] = []
  for (const piece of pieces) {
    const last = merged[merged.length - 1]
    if (typeof piece === 'string' && typeof last === 'string') merged[merged.length - 1] = last + piece
    else merged.push(piece)
  }
  return merged.filter((piece) => piece !== '').map((piece) => typeof piece === 'string' ? quote(piece) : `"\${${piece.name}:?set ${piece.name} to ${piece.what}}"`).join('')
}

/** JSON text with the invite token's `[redacted]` (in `"token":"[redacted]"`) replaced by the variable. */
function withInviteToken (json: string): Piece[] {
  const marker = `"token":"${REDACTED}"`
  const pieces: Piece[] = []
  json.split(marker).forEach((part, i) => {
    if (i > 0) pieces.push('"token":"', INVITE_TOKEN_VARIABLE, '"')
    pieces.push(part)
  })
  return pieces
}

/**
 * A journaled request as a curl command line for sh, bash or zsh, to this emulator (through
 * whatever prefix the page sits under). The journal keeps no secret: the bearer token is
 * read from $TOKEN, an invite's token (on /invites) from $INVITE_TOKEN; set them and the
 * command runs as is. Other headers the journal redacted are left out.
 */
export function curlCommand (entry: JournalEntry): string {
  const invitee = entry.path === '/invites'
  const url: Piece[] = [apiUrl(entry.path.replace(/^\/+/, '')).href]
  let separator = '?'
  for (const [key, value] of Object.entries(entry.query)) {
    for (const one of Array.isArray(value) ? value : [value]) {
      url.push(`${separator}${encodeURIComponent(key)}=`)
      separator = '&'
      const text = String(one)
      if (text === REDACTED && (key === 'access_token' || key === 'jwt')) url.push(TOKEN_VARIABLE)
      else if (text === REDACTED && invitee && key === 'token') url.push(INVITE_TOKEN_VARIABLE)
      else url.push(encodeURIComponent(text))
    }
  }
  const parts = ['curl']
  if (entry.method === 'HEAD') parts.push('--head')
  else if (entry.method !== 'GET') parts.push('-X', entry.method)
  parts.push(word(url))
  for (const [name, value] of Object.entries(entry.headers)) {
    if (LEFT_OUT.has(name) || LEFT_OUT_PREFIXES.some((prefix) => name.startsWith(prefix))) continue
    for (const one of Array.isArray(value) ? value : [value]) {
      const text = String(one)
      if (name === 'authorization' && text.endsWith(` ${REDACTED}`)) {
        parts.push('-H', word([`${name}: ${text.slice(0, -REDACTED.length)}`, TOKEN_VARIABLE]))
      } else if (!text.includes(REDACTED)) {
        parts.push('-H', word([`${name}: ${text}`]))
      }
    }
  }
  if (entry.body !== undefined) {
    const json = JSON.stringify(entry.body)
    parts.push('--data-raw', word(invitee ? withInviteToken(json) : [json]))
  }
  return parts.join(' ')
}

/** The variables a command reads, to say which to set. */
export function variablesOf (command: string): Variable[] {
  return [TOKEN_VARIABLE, INVITE_TOKEN_VARIABLE].filter((variable) => command.includes(`\${${variable.name}:?`))
}
