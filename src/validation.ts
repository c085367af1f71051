import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import isMyJsonValid from 'is-my-json-valid'

/**
 * Request validation as Losant's framework does it: JSON Schema, no type coercion, no
 * removal of additional properties, the first error only, reported as
 * `"<path> <reason>"` with the path relative to the parameter (`invite.email is required`).
 * Fastify's own Ajv would coerce `"true"` into a boolean and silently drop unknown
 * properties, which the real service reports as errors.
 *
 * Two validators (docs/API.md, validation):
 * - the Losant routes validate with the real service's own validator, is-my-json-valid,
 *   so a value with several errors reports the one the real service reports first (it
 *   checks an array's items before its length, an email's format before its length);
 * - the control plane validates with Ajv, whose messages can name an unknown property
 *   (`query has additional properties (orgid)`) and which knows `anyOf`.
 */

/**
 * is-my-json-valid's email format (2.20): an `@`, and no white space. The control plane
 * uses it too, so every invite the Losant routes take survives a snapshot and its restore.
 */
function isEmail (value: string): boolean {
  return value.includes('@') && !/\s/.test(value)
}

function createAjv (): Ajv {
  const ajv = new Ajv({
    allErrors: false,
    coerceTypes: false,
    removeAdditional: false,
    useDefaults: false,
    strict: false,
    unicodeRegExp: true
  })
  ajv.addFormat('email', { type: 'string', validate: isEmail })
  ajv.addFormat('date-time', {
    type: 'string',
    validate: (value: string) =>
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(value) && !Number.isNaN(Date.parse(value))
  })
  return ajv
}

/** Made on the first compile: start-up builds no Ajv instance (docs/PERFORMANCE.md). */
let ajv: Ajv | undefined

/** The reason half of the framework's messages, by JSON Schema keyword. */
const REASONS: Record<string, (error: ErrorObject) => string> = {
  required: () => 'is required',
  type: () => 'is the wrong type',
  format: (error) => `must be ${String(error.params.format)} format`,
  enum: () => 'must be an enum value',
  const: () => 'must be an enum value',
  additionalProperties: () => 'has additional properties',
  pattern: () => 'pattern mismatch',
  maxItems: () => 'has more items than allowed',
  minItems: () => 'has less items than allowed',
  maxLength: () => 'has longer length than allowed',
  minLength: () => 'has less length than allowed',
  maxProperties: () => 'has more properties than allowed',
  minProperties: () => 'has less properties than allowed',
  maximum: () => 'is more than maximum',
  minimum: () => 'is less than minimum',
  exclusiveMaximum: () => 'is more than maximum',
  exclusiveMinimum: () => 'is less than minimum',
  multipleOf: () => 'has a remainder',
  uniqueItems: () => 'must be unique'
}

export interface MessageOptions {
  /** Names the whole value in an error about the value itself; `base` when not given (`body` when that is ''). */
  rootName?: string
  /**
   * Adds the unknown property's name (`query has additional properties (orgid)`): for the
   * emulator's own inputs. Losant's messages name none, so its routes keep them as they are.
   */
  nameAdditional?: boolean
}

/**
 * `base` names the parameter the value is: the body parameter's name (`invite`), or ''
 * for path and query parameters and unnamed bodies, whose own property names start the
 * path.
 */
function formatValidationError (error: ErrorObject, base: string, options: MessageOptions = {}): string {
  const segments = error.instancePath === ''
    ? []
    : error.instancePath.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
  if (error.keyword === 'required') segments.push(String(error.params.missingProperty))
  const path = [base, ...segments].filter((s) => s !== '').join('.')
  let reason = REASONS[error.keyword]?.(error) ?? 'is invalid'
  if (error.keyword === 'additionalProperties' && options.nameAdditional === true) reason += ` (${String(error.params.additionalProperty)})`
  return `${path === '' ? options.rootName ?? base : path} ${reason}`
}

export type Validator = (value: unknown) => string | null

/** As compileValidator, compiled when it first runs: start-up compiles nothing (docs/PERFORMANCE.md). */
export function lazyValidator (schema: object, base: string, options?: MessageOptions): Validator {
  let compiled: Validator | undefined
  return (value) => (compiled ??= compileValidator(schema, base, options))(value)
}

/** Compiles a schema once; the result answers the first error's message, or null. */
function compileValidator (schema: object, base: string, options: MessageOptions = {}): Validator {
  const validate: ValidateFunction = (ajv ??= createAjv()).compile(schema)
  const messages = { ...options, rootName: options.rootName ?? (base === '' ? 'body' : base) }
  return (value) => {
    if (validate(value)) return null
    const first = validate.errors?.[0]
    return first === undefined ? `${messages.rootName} is invalid` : formatValidationError(first, base, messages)
  }
}

/** An is-my-json-valid validator: true or false, and every error found, in the order it checks. */
type ImjvValidate = ((value: unknown) => boolean) & { errors: Array<{ field: string, message: string }> | null }
const compileImjv = isMyJsonValid as unknown as (schema: object) => ImjvValidate

/**
 * Validates as the real service does, with its own validator (is-my-json-valid): the
 * message of the first error it finds. Its `field` is `data.<path>`; the real service
 * drops `data` and names the parameter instead (`invite.applicationRoles.0.resourceId`).
 * `base` and `rootName` as in compileValidator. Compiled when it first runs.
 */
export function losantValidator (schema: object, base: string, rootName = base === '' ? 'body' : base): Validator {
  let validate: ImjvValidate | undefined
  return (value) => {
    validate ??= compileImjv(schema)
    if (validate(value)) return null
    const field = validate.errors?.[0]?.field ?? 'data'
    const path = [base, field.slice('data.'.length)].filter((s) => s !== '').join('.')
    return `${path === '' ? rootName : path} ${validate.errors?.[0]?.message ?? 'is invalid'}`
  }
}

/**
 * The real service's query validation: a query string holds only strings, and its
 * framework reads `true` and `false` as booleans where a parameter is one (`_links`);
 * any other value (`1`, `FALSE`, empty, an array) stays as sent, so it is `is the wrong
 * type`. The booleans are read in place for the validator and put back as sent at once:
 * the request journal shows the query as sent, and a copy of the parsed query (a
 * dictionary-mode object) costs some microseconds on every call of the official client,
 * which sends all three.
 */
export function losantQueryValidator (schema: { properties?: Record<string, { type?: unknown }> }): Validator {
  const booleans = Object.entries(schema.properties ?? {}).filter(([, property]) => property.type === 'boolean').map(([name]) => name)
  const validate = losantValidator(schema, '', 'query')
  return (value) => {
    const query = value as Record<string, unknown>
    let read = 0
    for (const name of booleans) {
      const given = query[name]
      if (given === 'true' || given === 'false') {
        query[name] = given === 'true'
        read++
      }
    }
    if (read === 0) return validate(query)
    try {
      return validate(query)
    } finally {
      for (const name of booleans) {
        const given = query[name]
        if (typeof given === 'boolean') query[name] = String(given)
      }
    }
  }
}
