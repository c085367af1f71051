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
   * Payloads of tokens whose signature checked out, by token (performance: a Map lookup
   * instead of fast-jwt's cache, which hashes every token with SHA-256 first). Bounded:
   * dropped whole at VERIFIED_MAX. Claims are still checked against the clock on every use.
   */
  readonly #verified = new Map<string, Record<string, unknown>>()
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
    let payload = this.#verified.get(token)
    if (payload === undefined) {
      try {
        payload = this.#verify(token)
      } catch {
        throw errors.invalidToken()
      }
      if (this.#verified.size >= VERIFIED_MAX) this.#verified.clear()
      this.#verified.set(token, payload)
    }
    const nowSeconds = this.#clock.now() / 1000
    if (payload.nbf !== undefined && !(typeof payload.nbf === 'number' && payload.nbf <= nowSeconds)) throw errors.invalidToken()
    if (payload.exp !== undefined) {
      if (typeof payload.exp !== 'number') throw errors.invalidToken()
      if (payload.exp <= nowSeconds) throw errors.expiredToken()
    }
    // The framework reads `scope` as an array of names; anything else grants nothing.
    const scope = Array.isArray(payload.scope) ? payload.scope.filter((s): s is string => typeof s === 'string') : []
    const grant: TokenGrant = { scope }
    // A binding that is not a string must not read as "unbound" (fail closed).
    if (payload.instanceId !== undefined && typeof payload.instanceId !== 'string') throw errors.invalidToken()
    if (typeof payload.instanceId === 'string') grant.instanceId = payload.instanceId
    return grant
  }
}
