import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'

/**
 * Request validation as Losant's framework does it: JSON Schema, no type coercion, no
 * removal of additional properties, the first error only, reported as
 * `"<path> <reason>"` with the path relative to the parameter (`invite.email is required`).
 * Fastify's own Ajv would coerce `"true"` into a boolean and silently drop unknown
 * properties, which the real service reports as errors.
 */
function createAjv (): Ajv {
  const ajv = new Ajv({
    allErrors: false,
    coerceTypes: false,
    removeAdditional: false,
    useDefaults: false,
    strict: false,
    unicodeRegExp: true
  })
  // The framework's email format (is-my-json-valid): something, an @, something; no spaces.
  // Linear: one `@` split, no nested quantifiers.
  ajv.addFormat('email', /^\S+@\S+$/)
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
export function formatValidationError (error: ErrorObject, base: string, options: MessageOptions = {}): string {
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
export function compileValidator (schema: object, base: string, options: MessageOptions = {}): Validator {
  const validate: ValidateFunction = (ajv ??= createAjv()).compile(schema)
  const messages = { ...options, rootName: options.rootName ?? (base === '' ? 'body' : base) }
  return (value) => {
    if (validate(value)) return null
    const first = validate.errors?.[0]
    return first === undefined ? `${messages.rootName} is invalid` : formatValidationError(first, base, messages)
  }
}
