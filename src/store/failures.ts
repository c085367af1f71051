import type { StorageFailure } from '../errors.js'
import { StoreFileLostError } from './types.js'

/**
 * What an error the store raised means for the people using the emulator, or undefined
 * when it is no storage failure (a constraint, a bug). better-sqlite3 gives SQLite's
 * extended result code as `code` (`SQLITE_FULL`, `SQLITE_IOERR_WRITE`, …).
 * @see https://www.sqlite.org/rescode.html
 */
export function storageFailureKind (error: unknown): StorageFailure['kind'] | undefined {
  if (error instanceof StoreFileLostError) return 'moved'
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return undefined
  if (code === 'SQLITE_FULL') return 'full'
  if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_PERM') return 'readonly'
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CANTOPEN')) return 'io'
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return 'damaged'
  return undefined
}
