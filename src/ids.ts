import { randomBytes, randomFillSync } from 'node:crypto'

/**
 * Ids shaped like MongoDB ObjectIds, as Losant's are: 4 bytes of seconds, 5 random bytes
 * fixed per process, a 3-byte counter. Time-ordered, 24 lower-case hex characters.
 */
const processPart = randomBytes(5).toString('hex')
let counter = randomBytes(3).readUIntBE(0, 3)

export function newObjectId (nowMs: number = Date.now()): string {
  counter = (counter + 1) % 0x1000000
  const seconds = Math.floor(nowMs / 1000) >>> 0
  return seconds.toString(16).padStart(8, '0') + processPart + counter.toString(16).padStart(6, '0')
}

const TOKEN_BYTES = 24
/** Random bytes for 256 tokens, drawn at once (performance: one CSPRNG call, not one per POST). */
const tokenPool = Buffer.alloc(TOKEN_BYTES * 256)
let tokenPoolOffset = tokenPool.length

/** An invite's secret: what the e-mail link would carry. 24 random bytes, base64url. */
export function newInviteToken (): string {
  if (tokenPoolOffset === tokenPool.length) {
    randomFillSync(tokenPool)
    tokenPoolOffset = 0
  }
  const token = tokenPool.toString('base64url', tokenPoolOffset, tokenPoolOffset + TOKEN_BYTES)
  tokenPoolOffset += TOKEN_BYTES
  return token
}
