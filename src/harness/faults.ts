import { FaultSpecSchema, type Fault, type FaultSpec } from '../schemas/harness.js'
import { lazyValidator } from '../validation.js'
import { compileMatch, MatchError, type RequestKey, type RequestMatcher } from './match.js'

/** A fault spec that cannot be applied; the control route answers it as a 400 `Validation`. */
export class FaultSpecError extends Error {}

const validateSpec = lazyValidator(FaultSpecSchema, 'fault', { nameAdditional: true })

/** Checks a spec from the programmatic API against the same schema the route uses. */
export function parseFaultSpec (spec: unknown): FaultSpec {
  const message = validateSpec(spec)
  if (message !== null) throw new FaultSpecError(message)
  return spec as FaultSpec
}

/**
 * Faults waiting for requests, in creation order. A request gets the first fault that
 * matches and still has a count left, and uses one of that count: the same requests in
 * the same order always get the same faults. Nothing random.
 */
export class FaultList {
  #faults: Array<{ fault: Fault, matches: RequestMatcher }> = []
  #nextId = 1
  #version = 0

  /** A number that changes whenever the list does: a fault added, removed or used (the web UI follows it). */
  get version (): number {
    return this.#version
  }

  /** Adds a schema-valid spec; throws FaultSpecError for combinations that mean nothing. */
  add (spec: FaultSpec): Fault {
    if (spec.reset === true && (spec.status !== undefined || spec.body !== undefined)) {
      throw new FaultSpecError('reset cannot be combined with status or body')
    }
    if (spec.body !== undefined && spec.status === undefined) throw new FaultSpecError('body needs a status')
    if (spec.status !== undefined && spec.status < 400 && spec.body === undefined) {
      throw new FaultSpecError('status below 400 needs a body')
    }
    if (spec.delayMs === undefined && spec.status === undefined && spec.reset === undefined) {
      throw new FaultSpecError('a fault needs delayMs, status or reset')
    }
    let matches: RequestMatcher
    try {
      matches = compileMatch(spec)
    } catch (error) {
      if (error instanceof MatchError) throw new FaultSpecError(error.message)
      throw error
    }
    const times = spec.times ?? 1
    const fault: Fault = { id: `f${this.#nextId++}`, path: spec.path, times, remaining: times }
    if (spec.method !== undefined) fault.method = spec.method.toUpperCase()
    if (spec.instanceId !== undefined) fault.instanceId = spec.instanceId.toLowerCase()
    if (spec.orgId !== undefined) fault.orgId = spec.orgId.toLowerCase()
    if (spec.delayMs !== undefined) fault.delayMs = spec.delayMs
    if (spec.status !== undefined) fault.status = spec.status
    if (spec.body !== undefined) fault.body = spec.body
    if (spec.reset === true) fault.reset = true
    this.#faults.push({ fault, matches })
    this.#version++
    return { ...fault }
  }

  /** Every fault, used-up ones too (`remaining: 0`), in creation order. */
  list (): Fault[] {
    return this.#faults.map(({ fault }) => ({ ...fault }))
  }

  remove (id: string): boolean {
    const before = this.#faults.length
    this.#faults = this.#faults.filter(({ fault }) => fault.id !== id)
    if (this.#faults.length === before) return false
    this.#version++
    return true
  }

  /** Removes every fault; answers how many there were. */
  clear (): number {
    const count = this.#faults.length
    this.#faults = []
    if (count > 0) this.#version++
    return count
  }

  get empty (): boolean {
    return this.#faults.length === 0
  }

  /** The fault this request gets, if any, counted as used. */
  take (key: RequestKey): Fault | undefined {
    for (const { fault, matches } of this.#faults) {
      if (fault.remaining > 0 && matches(key)) {
        fault.remaining--
        this.#version++
        return fault
      }
    }
    return undefined
  }
}
