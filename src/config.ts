import { parseArgs } from 'node:util'

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
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = typeof LOG_LEVELS[number]

export const DEFAULT_DB = './data/emulator.db'

export class ConfigError extends Error {}

interface Option {
  flag: string
  env: string
  takesValue: boolean
  description: string
  default?: string
}

/** The one table of options: parsing, --help and the README are written from it. */
export const OPTIONS: readonly Option[] = [
  { flag: 'port', env: 'PORT', takesValue: true, default: '8080', description: 'Port to listen on; 0 picks a free port' },
  { flag: 'host', env: 'HOST', takesValue: true, default: '127.0.0.1', description: 'Address to listen on; 0.0.0.0 for every interface' },
  { flag: 'db', env: 'LOSANT_EMULATOR_DB', takesValue: true, default: DEFAULT_DB, description: 'SQLite file (its folder is created), or :memory: to keep nothing' },
  { flag: 'seed', env: 'LOSANT_EMULATOR_SEED', takesValue: true, description: 'JSON seed file: applied to a new database and on reset' },
  { flag: 'admin-token', env: 'LOSANT_EMULATOR_ADMIN_TOKEN', takesValue: true, description: 'When set, /_emulator (but health) requires Authorization: Bearer <it>' },
  { flag: 'invite-ttl', env: 'LOSANT_EMULATOR_INVITE_TTL', takesValue: true, default: '604800000', description: 'Lifetime of new invites, in milliseconds (default 7 days)' },
  { flag: 'journal-size', env: 'LOSANT_EMULATOR_JOURNAL_SIZE', takesValue: true, default: '1000', description: 'Most requests the journal keeps (GET /_emulator/requests); the oldest are dropped' },
  { flag: 'no-journal', env: 'LOSANT_EMULATOR_JOURNAL', takesValue: false, description: 'Record no requests (environment: LOSANT_EMULATOR_JOURNAL=off)' },
  { flag: 'log-level', env: 'LOSANT_EMULATOR_LOG_LEVEL', takesValue: true, default: 'info', description: `One of ${LOG_LEVELS.join(', ')}` },
  { flag: 'help', env: '', takesValue: false, description: 'Print this help and exit' },
  { flag: 'version', env: '', takesValue: false, description: 'Print the version and exit' }
]

export type ParsedCommand = { kind: 'help' } | { kind: 'version' } | { kind: 'run', config: Config }

export function parseCommand (argv: readonly string[], env: NodeJS.ProcessEnv): ParsedCommand {
  let values: Record<string, string | boolean | undefined>
  try {
    values = parseArgs({
      args: [...argv],
      options: Object.fromEntries(OPTIONS.map((o) => [o.flag, { type: o.takesValue ? 'string' : 'boolean' }])),
      strict: true,
      allowPositionals: false
    }).values as Record<string, string | boolean | undefined>
  } catch (error) {
    throw new ConfigError((error as Error).message.split('\n')[0] ?? 'invalid arguments')
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
  const integer = (flag: string, min: number, max: number): number | undefined => {
    const given = read(flag)
    if (given === undefined) return undefined
    if (!/^\d+$/.test(given.value) || Number(given.value) < min || Number(given.value) > max) {
      throw new ConfigError(`${given.source} must be a whole number from ${min} to ${max}, not "${given.value}"`)
    }
    return Number(given.value)
  }

  const port = integer('port', 0, 65535) ?? 8080
  const inviteTtlMs = integer('invite-ttl', 1, Number.MAX_SAFE_INTEGER)
  const logLevel = read('log-level')
  if (logLevel !== undefined && !(LOG_LEVELS as readonly string[]).includes(logLevel.value)) {
    throw new ConfigError(`${logLevel.source} must be one of ${LOG_LEVELS.join(', ')}, not "${logLevel.value}"`)
  }
  const host = read('host')?.value ?? '127.0.0.1'
  const db = read('db')?.value ?? DEFAULT_DB
  const seed = read('seed')?.value
  const adminToken = read('admin-token')?.value
  const journalSize = integer('journal-size', 1, 1_000_000)
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
  return { kind: 'run', config }
}

export function helpText (): string {
  const rows = OPTIONS.map((o) => {
    const name = `--${o.flag}${o.takesValue ? ' <value>' : ''}`
    const env = o.env === '' ? '' : ` [${o.env}]`
    const def = o.default === undefined ? '' : ` (default ${o.default})`
    return `  ${name.padEnd(22)} ${o.description}${def}${env}`
  })
  return ['Usage: losant-invites-emulator [options]', '', 'Options (each with its environment variable):', ...rows, ''].join('\n')
}
