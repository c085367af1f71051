import { statSync, type Stats } from 'node:fs'
import { dirname, resolve } from 'node:path'

/** What became of a file of the database while the emulator held it open. */
export interface FileLoss {
  /** The database file, or its `-wal` file. */
  file: string
  change: 'deleted' | 'replaced'
}

/**
 * Notices the database file, or its `-wal` file, deleted or replaced under the running
 * emulator (`rm -rf data/`, `git clean`, a volume removed, another file moved in its
 * place). SQLite does not: it keeps writing to the open, unlinked file, and every write
 * from then on is lost at the next start. (Its own SQLITE_READONLY_DBMOVED is raised for
 * rollback journals only, not in WAL mode.)
 *
 * One stat per check, of the folder: deleting, creating or renaming an entry changes a
 * folder's modification time, so the files themselves are looked at only after the
 * folder changed (or is gone). While the store has a file open, its inode cannot be
 * reused, so a file at the path with another inode is another file.
 */
export class DatabaseFileCheck {
  readonly #database: string
  readonly #wal: string
  readonly #folder: string
  readonly #databaseId: string
  /** Known once SQLite has made it (at the first write of a new database). */
  #walId: string | undefined
  /** The folder as last seen: which folder, and when its entries last changed. */
  #folderDev: number
  #folderIno: number
  #folderMtimeMs: number
  #lost: FileLoss | undefined

  /** `path`: the database file as given; it exists (the store has just opened it). */
  constructor (path: string) {
    const absolute = resolve(path)
    this.#database = path
    this.#wal = `${path}-wal`
    this.#folder = dirname(absolute)
    this.#databaseId = identity(statSync(absolute))
    this.#walId = identityOf(`${absolute}-wal`)
    const folder = statSync(this.#folder)
    this.#folderDev = folder.dev
    this.#folderIno = folder.ino
    this.#folderMtimeMs = folder.mtimeMs
  }

  /** What check() found, without looking again: undefined until a file was found gone. */
  get lost (): FileLoss | undefined {
    return this.#lost
  }

  /** What happened to the files since the store opened them; once lost, always lost. */
  check (): FileLoss | undefined {
    if (this.#lost !== undefined) return this.#lost
    const folder = statOrUndefined(this.#folder)
    if (folder !== undefined && folder.mtimeMs === this.#folderMtimeMs && folder.ino === this.#folderIno && folder.dev === this.#folderDev) return undefined
    const database = identityOf(this.#database)
    if (database !== this.#databaseId) {
      this.#lost = { file: this.#database, change: database === undefined ? 'deleted' : 'replaced' }
      return this.#lost
    }
    const wal = identityOf(this.#wal)
    if (this.#walId === undefined) {
      this.#walId = wal
    } else if (wal !== this.#walId) {
      this.#lost = { file: this.#wal, change: wal === undefined ? 'deleted' : 'replaced' }
      return this.#lost
    }
    if (folder !== undefined) {
      this.#folderDev = folder.dev
      this.#folderIno = folder.ino
      this.#folderMtimeMs = folder.mtimeMs
    }
    return undefined
  }
}

function identity (stats: Stats): string {
  return `${stats.dev}:${stats.ino}`
}

function identityOf (path: string): string | undefined {
  const stats = statOrUndefined(path)
  return stats === undefined ? undefined : identity(stats)
}

/** The path's stats, or undefined when nothing is there (or it cannot be reached: a folder replaced by a file). */
function statOrUndefined (path: string): Stats | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false })
  } catch {
    return undefined
  }
}
