import { createSigner, createVerifier } from 'fast-jwt'
import type { Clock } from '../clock.js'
import { errors } from '../errors.js'
import type { TokenGrant } from './grant.js'

export interface MintedToken extends TokenGrant {
  token: string
  /** ISO 8601, present when the token expires. */
  expiresAt?: string
}

export interface MintRequest {
  scope: string[]
  instanceId?: string
  /** Seconds from now. */
  expiresIn?: number
}

/** Most verified tokens kept (TokenService#verified). */
const VERIFIED_MAX = 1000

/**
 * Signs and checks the emulator's JWTs (HS256 with a key kept in the database, so tokens
 * survive restarts) and the static tokens a seed declares. Expiry is checked against the
 * emulator's clock, not the wall clock, so moving the clock expires tokens too.
 */
export class TokenService {
  readonly #sign: (payload: Record<string, unknown>) => string
  readonly #verify: (token: string) => Record<string, unknown>
  /**
   * Tokens whose signature checked out, by token, with what their claims grant (performance:
   * a Map lookup instead of fast-jwt's cache, which hashes every token with SHA-256 first,
   * and no grant made again per request). Bounded: dropped whole at VERIFIED_MAX. The time
   * claims are still checked against the clock on every use; a token whose claims grant
   * nothing valid is kept as such, and refused on every use.
   */
  readonly #verified = new Map<string, VerifiedToken>()
  readonly #clock: Clock
  #staticTokens: ReadonlyMap<string, TokenGrant>

  constructor (signingKey: Buffer, clock: Clock, staticTokens: ReadonlyMap<string, TokenGrant> = new Map()) {
    this.#clock = clock
    this.#staticTokens = staticTokens
    this.#sign = createSigner({ key: signingKey, algorithm: 'HS256' })
    // Only HS256 with our key: `alg: none`, other keys and RSA/HMAC confusion all fail here.
    // Expiry and not-before are checked below against the emulator's clock.
    this.#verify = createVerifier({
      key: signingKey,
      algorithms: ['HS256'],
      ignoreExpiration: true,
      ignoreNotBefore: true
    })
  }

  setStaticTokens (tokens: ReadonlyMap<string, TokenGrant>): void {
    this.#staticTokens = tokens
  }

  mint (request: MintRequest): MintedToken {
    const nowSeconds = Math.floor(this.#clock.now() / 1000)
    const payload: Record<string, unknown> = { scope: request.scope, iat: nowSeconds }
    if (request.instanceId !== undefined) payload.instanceId = request.instanceId
    if (request.expiresIn !== undefined) payload.exp = nowSeconds + request.expiresIn
    const minted: MintedToken = { token: this.#sign(payload), scope: request.scope }
    if (request.instanceId !== undefined) minted.instanceId = request.instanceId
    if (request.expiresIn !== undefined) minted.expiresAt = new Date((nowSeconds + request.expiresIn) * 1000).toISOString()
    return minted
  }

  /** The grant of a token, or a 401 LosantError (`Invalid access token`, `Access token has expired`). */
  verify (token: string): TokenGrant {
    const known = this.#staticTokens.get(token)
    if (known !== undefined) return known
    let verified = this.#verified.get(token)
    if (verified === undefined) {
      let payload
      try {
        payload = this.#verify(token)
      } catch {
        throw errors.invalidToken()
      }
      verified = readClaims(payload)
      if (this.#verified.size >= VERIFIED_MAX) this.#verified.clear()
      this.#verified.set(token, verified)
    }
    const nowSeconds = this.#clock.now() / 1000
    if (verified.nbf !== undefined && !(typeof verified.nbf === 'number' && verified.nbf <= nowSeconds)) throw errors.invalidToken()
    if (verified.exp !== undefined) {
      if (typeof verified.exp !== 'number') throw errors.invalidToken()
      if (verified.exp <= nowSeconds) throw errors.expiredToken()
    }
    if (verified.grant === undefined) throw errors.invalidToken()
    return verified.grant
  }
}

/** A token whose signature checked out: its time claims as given, and what it grants (undefined: nothing valid). */
interface VerifiedToken {
  nbf: unknown
  exp: unknown
  grant: Readonly<TokenGrant> | undefined
}

function readClaims (payload: Record<string, unknown>): VerifiedToken {
  // The framework reads `scope` as an array of names; anything else grants nothing.
  const scope = Array.isArray(payload.scope) ? payload.scope.filter((s): s is string => typeof s === 'string') : []
  let grant: TokenGrant | undefined = { scope }
  // A binding that is not a string must not read as "unbound" (fail closed).
  if (payload.instanceId !== undefined && typeof payload.instanceId !== 'string') grant = undefined
  else if (typeof payload.instanceId === 'string') grant.instanceId = payload.instanceId
  // One object answers every use of the token: none may change it.
  if (grant !== undefined) Object.freeze(Object.freeze(grant).scope)
  return { nbf: payload.nbf, exp: payload.exp, grant }
}
