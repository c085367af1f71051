import { parseArgs } from 'node:util'
import { OriginError, parseAllowedHosts, parseCorsOrigins } from './security/origins.js'

/**
 * The CLI's configuration: every flag has an environment twin; the flag wins. Validated
 * here, before anything starts: a bad value is one clear line and a non-zero exit.
 */
export interface Config {
  port: number
  host: string
  db: string
  seed?: string
  adminToken?: string
  inviteTtlMs?: number
  logLevel: LogLevel
  /** Set (to false) only when the journal is off. */
  journal?: false
  journalSize?: number
  /** Longest wait for answers in flight on SIGTERM/SIGINT, in milliseconds. */
  shutdownGraceMs?: number
  /** Host names answered besides the defaults (src/security/origins.ts). */
  allowedHosts?: string[]
  /** Origins allowed to call the control plane from a browser. */
  corsOrigins?: string[]
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = typeof LOG_LEVELS[number]

const DEFAULT_DB = './data/emulator.db'

export class ConfigError extends Error {}

interface Option {
  flag: string
  /** The environment variable read when the flag is absent; '' for none. */
  env: string
  takesValue: boolean
  /** Markdown, as in the README's table; --help prints it without the backticks. */
  description: string
  /** Markdown, as in the README's table; none when absent. */
  default?: string
  short?: string
  /** What the value is (`--port <n>`); `value` when not given. */
  value?: string
  /** The README's environment cell, when it says more than the variable's name. */
  envCell?: string
}

/**
 * The one table of options: parsing and --help are written from it, and the README's
 * Configuration table says the same (test/server.test.ts holds it against the spawned --help).
 */
export const OPTIONS: readonly Option[] = [
  { flag: 'port', env: 'PORT', takesValue: true, value: 'n', default: '`8080`', description: 'port to listen on; `0` picks a free port' },
  { flag: 'host', env: 'HOST', takesValue: true, value: 'address', default: '`127.0.0.1`', description: 'address to listen on; `0.0.0.0` for every interface' },
  { flag: 'db', env: 'LOSANT_EMULATOR_DB', takesValue: true, value: 'file', default: `\`${DEFAULT_DB}\``, description: 'SQLite file (its folder is created), or `:memory:` to keep nothing' },
  { flag: 'seed', env: 'LOSANT_EMULATOR_SEED', takesValue: true, value: 'file', default: 'none', description: 'JSON seed file (the snapshot format): applied to a new database and on every reset; a missing or invalid file stops start-up with a message naming it' },
  { flag: 'allowed-hosts', env: 'LOSANT_EMULATOR_ALLOWED_HOSTS', takesValue: true, value: 'names', default: 'none', description: 'host names answered besides `localhost`, `*.localhost`, IP addresses, names without a dot (compose services), `*.internal` and the machine\'s own name; comma-separated; `.example.com` for a domain and its subdomains, `*` for any (no DNS-rebinding guard); see `docs/SECURITY.md`' },
  { flag: 'cors-origins', env: 'LOSANT_EMULATOR_CORS_ORIGINS', takesValue: true, value: 'origins', default: 'none', description: 'origins (`http://localhost:5173`, comma-separated) that may call the control plane from a browser, with CORS; `/invites` also answers pages of allowed hosts, the Losant routes any origin' },
  { flag: 'admin-token', env: 'LOSANT_EMULATOR_ADMIN_TOKEN', takesValue: true, value: 'token', default: 'none', description: 'when set, `/_emulator/*` (but `health`, `openapi.json`, `docs` and the web UI\'s page) requires `Authorization: Bearer <token>`' },
  { flag: 'invite-ttl', env: 'LOSANT_EMULATOR_INVITE_TTL', takesValue: true, value: 'ms', default: '`604800000` (7 days)', description: 'lifetime of new invites, in milliseconds' },
  { flag: 'journal-size', env: 'LOSANT_EMULATOR_JOURNAL_SIZE', takesValue: true, value: 'n', default: '`1000`', description: 'most requests the request journal keeps; the oldest are dropped' },
  { flag: 'no-journal', env: 'LOSANT_EMULATOR_JOURNAL', envCell: '`LOSANT_EMULATOR_JOURNAL=off`', takesValue: false, default: 'journal on', description: 'record no requests (`GET /_emulator/requests` answers `[]`)' },
  { flag: 'shutdown-grace', env: 'LOSANT_EMULATOR_SHUTDOWN_GRACE', takesValue: true, value: 'ms', default: '`10000` (10 s)', description: 'on SIGTERM or SIGINT, longest wait in milliseconds for answers in flight; then open connections are cut' },
  { flag: 'log-level', env: 'LOSANT_EMULATOR_LOG_LEVEL', takesValue: true, value: 'level', default: '`info`', description: `${LOG_LEVELS.slice(0, -1).map((l) => `\`${l}\``).join(', ')} or \`${LOG_LEVELS.at(-1)!}\`` },
  { flag: 'help', short: 'h', env: '', takesValue: false, description: 'print the options and exit' },
  { flag: 'version', short: 'v', env: '', takesValue: false, description: 'print the version and exit' }
]

export type ParsedCommand = { kind: 'help' } | { kind: 'version' } | { kind: 'run', config: Config }

export function parseCommand (argv: readonly string[], env: NodeJS.ProcessEnv): ParsedCommand {
  let values: Record<string, string | boolean | undefined>
  try {
    values = parseArgs({
      args: joinNegativeNumbers(argv),
      options: Object.fromEntries(OPTIONS.map((o) => [o.flag, { type: o.takesValue ? 'string' : 'boolean', ...(o.short === undefined ? {} : { short: o.short }) }])),
      strict: true,
      allowPositionals: false
    }).values as Record<string, string | boolean | undefined>
  } catch (error) {
    throw new ConfigError(`${describeParseError(error as Error & { code?: string })}; see --help`)
  }
  if (values.help === true) return { kind: 'help' }
  if (values.version === true) return { kind: 'version' }

  const read = (flag: string): { value: string, source: string } | undefined => {
    const option = OPTIONS.find((o) => o.flag === flag)!
    const fromFlag = values[flag]
    if (typeof fromFlag === 'string') return { value: fromFlag, source: `--${flag}` }
    const fromEnv = env[option.env]
    if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, source: option.env }
    return undefined
  }
  const integer = (flag: string, min: number, max: number, unit = ''): number | undefined => {
    const given = read(flag)
    if (given === undefined) return undefined
    if (!/^\d+$/.test(given.value) || Number(given.value) < min || Number(given.value) > max) {
      throw new ConfigError(`${given.source} must be a whole number${unit} from ${min} to ${max}, not "${given.value}"`)
    }
    return Number(given.value)
  }

  const port = integer('port', 0, 65535) ?? 8080
  const inviteTtlMs = integer('invite-ttl', 1, Number.MAX_SAFE_INTEGER, ' of milliseconds')
  const logLevel = read('log-level')
  if (logLevel !== undefined && !(LOG_LEVELS as readonly string[]).includes(logLevel.value)) {
    throw new ConfigError(`${logLevel.source} must be one of ${LOG_LEVELS.join(', ')}, not "${logLevel.value}"`)
  }
  const host = read('host')?.value ?? '127.0.0.1'
  const db = read('db')?.value ?? DEFAULT_DB
  const seed = read('seed')?.value
  const adminToken = read('admin-token')?.value
  const journalSize = integer('journal-size', 1, 1_000_000)
  const shutdownGraceMs = integer('shutdown-grace', 0, 3_600_000, ' of milliseconds')
  const list = (flag: string, parse: (entries: string[]) => string[]): string[] | undefined => {
    const given = read(flag)
    if (given === undefined) return undefined
    try {
      return parse(given.value.split(',').map((entry) => entry.trim()).filter((entry) => entry !== ''))
    } catch (error) {
      if (error instanceof OriginError) throw new ConfigError(`${given.source}: ${error.message}`)
      throw error
    }
  }
  const allowedHosts = list('allowed-hosts', parseAllowedHosts)
  const corsOrigins = list('cors-origins', parseCorsOrigins)
  const journalEnv = env.LOSANT_EMULATOR_JOURNAL?.toLowerCase()
  if (journalEnv !== undefined && journalEnv !== '' && !['on', 'off', 'true', 'false', '1', '0'].includes(journalEnv)) {
    throw new ConfigError(`LOSANT_EMULATOR_JOURNAL must be on or off, not "${env.LOSANT_EMULATOR_JOURNAL}"`)
  }

  const config: Config = { port, host, db, logLevel: (logLevel?.value ?? 'info') as LogLevel }
  if (seed !== undefined) config.seed = seed
  if (adminToken !== undefined) config.adminToken = adminToken
  if (inviteTtlMs !== undefined) config.inviteTtlMs = inviteTtlMs
  if (values['no-journal'] === true || ['off', 'false', '0'].includes(journalEnv ?? '')) config.journal = false
  if (journalSize !== undefined) config.journalSize = journalSize
  if (shutdownGraceMs !== undefined) config.shutdownGraceMs = shutdownGraceMs
  if (allowedHosts !== undefined) config.allowedHosts = allowedHosts
  if (corsOrigins !== undefined) config.corsOrigins = corsOrigins
  return { kind: 'run', config }
}

/**
 * `--port -1` as `--port=-1`: node:util's parser refuses a value that starts with a dash
 * as ambiguous, and the number's own check then says what a good one is.
 */
function joinNegativeNumbers (argv: readonly string[]): string[] {
  const takesValue = new Set(OPTIONS.filter((o) => o.takesValue).flatMap((o) => [`--${o.flag}`, ...(o.short === undefined ? [] : [`-${o.short}`])]))
  const args: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const next = argv[i + 1]
    if (takesValue.has(argv[i]!) && next !== undefined && /^-\d/.test(next)) args.push(`${argv[i]!}=${argv[++i]!}`)
    else args.push(argv[i]!)
  }
  return args
}

/** node:util's parse errors, said in one line, the option or argument at fault first. */
function describeParseError (error: Error & { code?: string }): string {
  const quoted = /'([^']*)'/.exec(error.message)?.[1] ?? ''
  const flag = quoted.split(' ')[0]!
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': return `unknown option ${quoted}`
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL': return `unexpected argument "${quoted}" (every value follows its option)`
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/does not take an argument/.test(error.message)) return `${flag} takes no value`
      // The next argument starts with a dash: another option, most likely.
      return /ambiguous/.test(error.message) ? `${flag} needs a value (one that starts with "-" is written ${flag}=<value>)` : `${flag} needs a value`
    default: return error.message.split('\n')[0] ?? 'invalid arguments'
  }
}

/** Markdown to plain text: the help prints the README's cells without backticks. */
function plain (markdown: string): string {
  return markdown.replace(/`/g, '')
}

/** The options as `--help` prints them: each with its meaning, then its default and environment variable. */
export function helpText (): string {
  const lines = ['Usage: losant-invites-emulator [options]', '', 'Options (each with its environment variable, read when the flag is not given):']
  for (const option of OPTIONS) {
    const name = `${option.short === undefined ? '' : `-${option.short}, `}--${option.flag}${option.takesValue ? ` <${option.value ?? 'value'}>` : ''}`
    lines.push(`  ${name.padEnd(23)} ${plain(option.description)}`)
    const details = [
      ...(option.default === undefined ? [] : [`default: ${plain(option.default)}`]),
      ...(option.env === '' ? [] : [`environment: ${plain(option.envCell ?? option.env)}`])
    ]
    if (details.length > 0) lines.push(`  ${''.padEnd(24)}${details.join('; ')}`)
  }
  lines.push('', 'A bad value stops start-up with one line on stderr and exit code 2.', '')
  return lines.join('\n')
}
