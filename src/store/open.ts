import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import Database from 'better-sqlite3'
import { storageFailureKind } from './failures.js'
import { checkOwner, migrate } from './migrations.js'

/** The database file cannot be used. Its message is one line naming the file and the reason. */
export class DatabaseOpenError extends Error {}

export interface OpenedDatabase {
  db: Database.Database
  /** True when this open created the schema (so a seed applies). */
  isNew: boolean
}

/**
 * Opens the emulator's database, or refuses at once, before anything is written to a file
 * that is not the emulator's: a path that cannot be a database (a folder, a read-only file
 * or folder, a folder that cannot be made), a file another process has open, another
 * application's file. `:memory:` is a private database of its own.
 */
export function openDatabase (path: string): OpenedDatabase {
  if (path === ':memory:' || path === '') {
    const db = new Database(path)
    configure(db)
    return { db, isNew: migrate(db) === 0 }
  }
  const refuse = (reason: string): never => {
    throw new DatabaseOpenError(`database ${path}: ${reason}`)
  }
  const unusable = checkPath(path)
  if (unusable !== undefined) refuse(unusable)

  // No busy timeout: a file another process holds is refused now, not after a wait.
  let db: Database.Database
  try {
    db = new Database(path, { timeout: 0 })
  } catch (error) {
    return refuse(describeOpenError(error, path))
  }
  try {
    // One owner per file: in EXCLUSIVE locking mode the first transaction takes SQLite's
    // lock on the file and keeps it until the connection closes (a POSIX lock: it dies with
    // the process, so a SIGKILLed emulator never blocks the next start). Another emulator,
    // or any SQLite client, is refused with SQLITE_BUSY. This is also what makes the
    // listings' safety net right: the store's dataVersion() counts this connection's
    // changes only (total_changes()), and no other connection can write the file. Under
    // WAL the lock also keeps SQLite from using a -shm file (the WAL index is in memory).
    // @see https://www.sqlite.org/pragma.html#pragma_locking_mode
    db.pragma('locking_mode = EXCLUSIVE')
    db.exec('BEGIN IMMEDIATE')
    const owner = checkOwner(db)
    if (owner.owner === 'other') {
      db.exec('ROLLBACK')
      refuse(`not the emulator's database: ${owner.reason}; left unchanged (give --db a new file)`)
    }
    db.exec('COMMIT')
    configure(db)
    return { db, isNew: migrate(db) === 0 }
  } catch (error) {
    db.close()
    if (error instanceof DatabaseOpenError) throw error
    if ((error as { code?: unknown }).code === 'SQLITE_BUSY') {
      refuse(`in use by ${lockHolder(path) ?? 'another process'}; one emulator per database file: stop that one, or give this one another --db`)
    }
    return refuse(describeOpenError(error, path))
  }
}

function configure (db: Database.Database): void {
  db.pragma('journal_mode = WAL')
  // NORMAL under WAL: a committed transaction survives a crash of the process
  // (SIGKILL); only a power loss may drop the last ones.
  db.pragma('synchronous = NORMAL')
  // The -wal file's size in normal running: SQLite copies it into the database file once
  // it holds 1000 pages (about 4 MiB; its default, stated), and starts it again from the
  // top; past a larger write (a restored snapshot) it is cut back to 8 MiB then, not kept
  // at its largest (8, not 4: a normal cycle, a little over 4 MiB, is never cut and grown
  // again). On a nearly full disk the store empties it after every write (sqlite.ts).
  db.pragma('wal_autocheckpoint = 1000')
  db.pragma(`journal_size_limit = ${8 * 1024 * 1024}`)
  db.pragma('foreign_keys = ON')
  // A 2 MiB page cache (better-sqlite3 builds SQLite with 16 MiB): pages past it are read
  // again from the OS's file cache. Peak memory under the benchmark's load fell by about
  // 10 MiB; a scan of a 100k-invite org got about a sixth slower (docs/PERFORMANCE.md, e).
  db.pragma('cache_size = -2000')
}

/** Why `path` cannot hold the database, or undefined; makes its missing folders. */
function checkPath (path: string): string | undefined {
  let stats
  try {
    stats = statSync(path)
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') return `cannot reach it: ${systemReason(error)}`
  }
  if (stats?.isDirectory() === true) return 'it is a folder, not a file'
  if (stats !== undefined && !stats.isFile()) return 'it is not a regular file'
  const folder = dirname(resolve(path))
  if (stats === undefined) {
    const failed = makeFolders(folder)
    if (failed !== undefined) return failed
  }
  try {
    // SQLite creates the file, and its -wal file, beside it.
    accessSync(folder, constants.W_OK | constants.X_OK)
  } catch (error) {
    return `its folder ${folder} is not writable (${systemReason(error)}); the database keeps a -wal file beside it`
  }
  if (stats !== undefined) {
    try {
      accessSync(path, constants.R_OK | constants.W_OK)
    } catch (error) {
      return `the file is not writable (${systemReason(error)})`
    }
  }
  return undefined
}

/**
 * Makes `folder` and its missing parents, one at a time: Node's recursive mkdirSync spins
 * for ever where the file system refuses a new folder without saying the parent is
 * missing (`/proc/x`).
 */
function makeFolders (folder: string): string | undefined {
  const missing: string[] = []
  for (let current = folder; ; current = dirname(current)) {
    try {
      if (!statSync(current).isDirectory()) return `${current} is not a folder`
      break
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') return `cannot reach ${current}: ${systemReason(error)}`
      missing.unshift(current)
      if (dirname(current) === current) break
    }
  }
  for (const dir of missing) {
    try {
      mkdirSync(dir)
    } catch (error) {
      if (errorCode(error) === 'EEXIST') continue
      // ENOENT with the parent there: the file system takes no new folders (/proc, /sys).
      return `cannot create the folder ${dir}: ${errorCode(error) === 'ENOENT' ? 'the file system does not allow it' : systemReason(error)}`
    }
  }
  return undefined
}

function errorCode (error: unknown): string | undefined {
  return (error as { code?: string }).code
}

const SYSTEM_REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  ENOSPC: 'the disk is full',
  ENOTDIR: 'a part of the path is a file, not a folder',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links'
}

function systemReason (error: unknown): string {
  const code = errorCode(error)
  return code === undefined ? String((error as Error).message) : SYSTEM_REASONS[code] ?? code
}

function describeOpenError (error: unknown, path: string): string {
  const code = errorCode(error)
  if (code === 'SQLITE_NOTADB') return 'not a SQLite database; left unchanged (give --db a new file)'
  if (code?.startsWith('SQLITE_CANTOPEN') === true) return whyNotOpened(path) ?? `SQLite cannot open the file (${code})`
  const kind = storageFailureKind(error)
  if (kind === 'full') return 'the disk is full'
  if (kind === 'readonly') return 'the file or its file system is read-only'
  if (kind === 'damaged') return 'the file is damaged (SQLite reports it corrupt)'
  if (kind === 'io') return `the disk reported an I/O error (${code})`
  return (error as Error).message
}

/**
 * Why SQLite could not open (or create) the file, in the system's words: SQLite says only
 * SQLITE_CANTOPEN. Found by opening it as SQLite does, read-write and created if missing
 * (a file this makes is removed again); undefined when that works.
 */
function whyNotOpened (path: string): string | undefined {
  const existed = existsSync(path)
  let fd
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_CREAT)
  } catch (error) {
    const verb = existed ? 'open' : 'create'
    // ENOENT with the folder there: the file system takes no new files (/proc, /sys).
    return `cannot ${verb} the file: ${errorCode(error) === 'ENOENT' ? 'the file system does not allow it' : systemReason(error)}`
  }
  closeSync(fd)
  if (!existed) rmSync(path, { force: true })
  return undefined
}

/**
 * The process holding SQLite's lock on `path`, read from the kernel's table of file locks
 * (Linux's /proc/locks), which needs no lock to read; undefined where it cannot be told
 * (another OS, or a process in another PID namespace, such as another container).
 */
function lockHolder (path: string): string | undefined {
  try {
    const { dev, ino } = statSync(path)
    const major = Number((BigInt(dev) >> 8n) & 0xfffn)
    const minor = Number((BigInt(dev) & 0xffn) | ((BigInt(dev) >> 12n) & 0xfff00n))
    for (const line of readFileSync('/proc/locks', 'utf8').split('\n')) {
      // "1: POSIX  ADVISORY  WRITE 9421 fe:00:2146913 1073741824 1073742335" ("->" marks a waiter)
      const match = /^\d+:\s+(?:POSIX|OFDLCK)\s+\S+\s+\S+\s+(\d+)\s+([0-9a-f]+):([0-9a-f]+):(\d+)\s/.exec(line)
      if (match === null || Number(match[4]) !== ino || parseInt(match[2]!, 16) !== major || parseInt(match[3]!, 16) !== minor) continue
      const pid = Number(match[1])
      if (pid <= 0) return undefined
      if (pid === process.pid) return `this process (pid ${pid}), through another connection`
      let command = ''
      try {
        command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((part) => part !== '').join(' ')
      } catch {}
      return command === '' ? `another process (pid ${pid})` : `another process (pid ${pid}: ${command.length > 120 ? `${command.slice(0, 119)}…` : command})`
    }
  } catch {}
  return undefined
}
