import { randomBytes } from 'node:crypto'
import { statfsSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import Database from 'better-sqlite3'
import type { TokenGrant } from '../auth/grant.js'
import type { StorageFailure } from '../errors.js'
import type { CompiledGlob } from '../glob.js'
import { storageFailureKind } from './failures.js'
import { DatabaseFileCheck } from './file-check.js'
import { openDatabase } from './open.js'
import {
  type ChangeVersions,
  StoreConflictError,
  StoreFileLostError,
  StoreMissingOrgError,
  type InstanceRecord,
  type InviteListQuery,
  type InviteRecord,
  type InviteResend,
  type InviteStore,
  type InviteWrite,
  type MemberRecord,
  type OrgCounts,
  type OrgRecord,
  type OutboxListing,
  type OutboxMessage,
  type StoreChange,
  type StoreCounts,
  type StoreDump
} from './types.js'

/**
 * Invites are read as arrays (better-sqlite3's raw mode) in this column order, by every
 * statement, and made records by tupleToRecord alone: no object with 12 named keys per
 * row, the largest cost of a long listing (performance: docs/PERFORMANCE.md).
 */
const LIST_COLUMNS = 'id, instance_id, org_id, email, role, invite_date, ttl, application_roles, dashboard_roles, disallow_transfer, token'
type InviteTuple = [string, string, string, string, InviteRecord['role'], number, number, string | null, string | null, number | null, string]

const SORT_COLUMNS = { email: 'email', role: 'role', inviteDate: 'invite_date' } as const
/** Above every character in SQLite's binary (UTF-8) order: `prefix <= v < prefix + MAX_CHAR`. */
const MAX_CHAR = '\u{10FFFF}'

const OUTBOX_SELECT = `SELECT o.id, o.to_email AS "to", o.instance_id AS instanceId, o.org_id AS orgId, o.invite_id AS inviteId,
  o.token, o.sent_at AS sentAt, o.role, orgs.name AS orgName
  FROM outbox o LEFT JOIN orgs ON orgs.instance_id = o.instance_id AND orgs.id = o.org_id`
/** SQLite's LIMIT for "no limit". */
const NO_LIMIT = -1

type OutboxRow = Omit<OutboxListing, 'role' | 'orgName'> & { role: OutboxListing['role'] | null, orgName: string | null }

function toOutboxListing (row: OutboxRow): OutboxListing {
  const { role, orgName, ...message } = row
  const listing: OutboxListing = message
  if (role !== null) listing.role = role
  if (orgName !== null) listing.orgName = orgName
  return listing
}

/**
 * Free space on the database's disk below which the -wal file (a little over 4 MiB in
 * normal running, open.ts) is watched after every commit (#afterCommit).
 */
const LOW_DISK_BYTES = 16 * 1024 * 1024
/** How often free space is looked at while there is plenty of it (a statfs, a few µs). */
const DISK_CHECK_MS = 100

/** A change waiting for its transaction to commit, with the data versions around it. */
interface PendingChange {
  change: StoreChange
  versions: ChangeVersions
}

/** How a filtered listing is narrowed by an index before the glob checks each candidate. */
type Narrowing = 'none' | 'exact' | 'prefix' | 'suffix'

/**
 * The glob runs inside the query, as the SQL function `invite_glob(value)`, after SQLite's
 * own `instr()` has dropped the rows without the pattern's required literal: rows that do
 * not match are never turned into JavaScript values.
 */
const GLOB_FUNCTION = 'invite_glob'

const { SqliteError } = Database

function reverseString (value: string): string {
  return Array.from(value).reverse().join('')
}

function tupleToRecord (row: InviteTuple): InviteRecord {
  const record: InviteRecord = {
    id: row[0],
    instanceId: row[1],
    orgId: row[2],
    email: row[3],
    role: row[4],
    inviteDate: row[5],
    ttl: row[6],
    token: row[10]
  }
  if (row[7] !== null) record.applicationRoles = JSON.parse(row[7])
  if (row[8] !== null) record.dashboardRoles = JSON.parse(row[8])
  if (row[9] !== null) record.disallowTransfer = row[9] === 1
  return record
}

/**
 * How a listing's rows are found: the index range that narrows an email filter (exact,
 * by prefix, or by suffix on the reversed copy), and the statement's parameters.
 */
function listParameters (query: InviteListQuery): { narrowing: Narrowing, params: string[] } {
  const { filter } = query
  let narrowing: Narrowing = 'none'
  let bound = ''
  if (filter?.field === 'email') {
    const { glob } = filter
    if (glob.exact) {
      narrowing = 'exact'
      bound = glob.literalPrefix
    } else if (glob.literalPrefix.length > 0 && glob.literalPrefix.length >= glob.literalSuffix.length) {
      narrowing = 'prefix'
      bound = glob.literalPrefix
    } else if (glob.literalSuffix.length > 0) {
      narrowing = 'suffix'
      bound = reverseString(glob.literalSuffix)
    }
  }
  const params: string[] = [query.instanceId, query.orgId]
  if (narrowing === 'exact') params.push(bound)
  if (narrowing === 'prefix' || narrowing === 'suffix') params.push(bound, bound + MAX_CHAR)
  // Emails are stored lower-cased, as the pattern's literals are: instr() is exact there.
  if (filter?.field === 'email') params.push(filter.glob.requiredLiteral)
  return { narrowing, params }
}

function tuplesToRecords (rows: InviteTuple[]): InviteRecord[] {
  const records: InviteRecord[] = new Array(rows.length)
  for (let i = 0; i < rows.length; i++) records[i] = tupleToRecord(rows[i]!)
  return records
}

/**
 * The store on better-sqlite3: WAL for file databases, one prepared statement per query
 * shape, indexes for email prefixes and suffixes (a reversed copy of the email), so a
 * filtered listing reads only its candidates. No index per sort order: each cost every
 * POST more than it saved the few listings that reach SQLite (migrations.ts, 5).
 */
export class SqliteInviteStore implements InviteStore {
  readonly isNew: boolean
  readonly location: string
  readonly #db: Database.Database
  readonly #listStatements = new Map<string, Database.Statement>()
  readonly #statements
  /** The glob `invite_glob()` applies during the one listing running now (calls are synchronous). */
  #activeGlob: CompiledGlob | undefined
  /** dataVersion(): the last total_changes() seen, and the version it was given. */
  #seenChanges = -1
  #version = 0
  /** total_changes() when a write last failed for lack of space; undefined once a write succeeded since. */
  #fullAtChanges: number | undefined
  readonly #listeners: Array<(change: StoreChange, versions: ChangeVersions) => void> = []
  /** Changes made in the open transaction, announced once it commits. */
  #pending: PendingChange[] = []
  /** A file database's files, checked before every commit; undefined for ':memory:'. */
  readonly #fileCheck: DatabaseFileCheck | undefined
  readonly #fileLostListeners: Array<(failure: StorageFailure) => void> = []
  /** The folder whose file system holds the database (for its free space). */
  readonly #folder: string | undefined
  /** When free space was last looked at (performance.now()), and whether it was low. */
  #diskCheckedAt = -Infinity
  #lowDisk = false
  /** The most -wal bytes one transaction took, measured while the disk is low (a guess before). */
  #largestWrite = 64 * 1024
  /** While the disk is low: the -wal file's size after the last commit (it only grows until emptied). */
  #walBytes = 0
  readonly #pageSize: number

  /** Throws DatabaseOpenError (one line naming the file and the reason) when the file cannot be used. */
  constructor (path: string) {
    this.location = path
    const opened = openDatabase(path)
    this.#db = opened.db
    this.isNew = opened.isNew
    if (path !== ':memory:' && path !== '') {
      this.#fileCheck = new DatabaseFileCheck(path)
      this.#folder = dirname(resolve(path))
    }
    const db = this.#db
    this.#statements = {
      getInstance: db.prepare<[string], InstanceRecord>('SELECT id, name FROM instances WHERE id = ?'),
      getOrg: db.prepare<[string, string], OrgRecord>('SELECT instance_id AS instanceId, id, name FROM orgs WHERE instance_id = ? AND id = ?'),
      insertInstance: db.prepare('INSERT INTO instances (id, name) VALUES (?, ?)'),
      insertOrg: db.prepare('INSERT INTO orgs (instance_id, id, name) VALUES (?, ?, ?)'),
      // The id only: the rest of the row is what was written (performance: no row to read and convert).
      upsertInvite: db.prepare<unknown[], string>(`${INSERT_INVITE}
        ON CONFLICT (instance_id, org_id, email) DO UPDATE SET
          role = excluded.role, invite_date = excluded.invite_date, ttl = excluded.ttl,
          application_roles = excluded.application_roles, dashboard_roles = excluded.dashboard_roles,
          disallow_transfer = excluded.disallow_transfer, token = excluded.token
        RETURNING id`).pluck(true),
      getSetting: db.prepare<[string], { value: Buffer }>('SELECT value FROM settings WHERE key = ?'),
      setSetting: db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      staticTokens: db.prepare<[], { token: string, scope: string, instance_id: string | null }>('SELECT token, scope, instance_id FROM static_tokens ORDER BY rowid'),
      listInstances: db.prepare<[], InstanceRecord>('SELECT id, name FROM instances ORDER BY rowid'),
      listOrgs: db.prepare<[], OrgRecord>('SELECT instance_id AS instanceId, id, name FROM orgs ORDER BY rowid'),
      listOrgsOf: db.prepare<[string], OrgRecord>('SELECT instance_id AS instanceId, id, name FROM orgs WHERE instance_id = ? ORDER BY rowid'),
      deleteInstance: db.prepare('DELETE FROM instances WHERE id = ?'),
      deleteOrg: db.prepare('DELETE FROM orgs WHERE instance_id = ? AND id = ?'),
      allInvites: db.prepare<[], InviteTuple>(`SELECT ${LIST_COLUMNS} FROM invites ORDER BY rowid`).raw(true),
      allMembers: db.prepare<[], MemberRecord>('SELECT instance_id AS instanceId, org_id AS orgId, email, role FROM members ORDER BY rowid'),
      insertInvite: db.prepare(INSERT_INVITE),
      insertMember: db.prepare('INSERT INTO members (instance_id, org_id, email, role) VALUES (?, ?, ?, ?)'),
      insertToken: db.prepare('INSERT INTO static_tokens (token, scope, instance_id) VALUES (?, ?, ?)'),
      clearTokens: db.prepare('DELETE FROM static_tokens'),
      // Orgs, invites and members go with their instance (ON DELETE CASCADE).
      clearInstances: db.prepare('DELETE FROM instances'),
      getInvite: db.prepare<[string, string, string], InviteTuple>(`SELECT ${LIST_COLUMNS} FROM invites WHERE id = ? AND instance_id = ? AND org_id = ?`).raw(true),
      deleteInvite: db.prepare('DELETE FROM invites WHERE id = ? AND instance_id = ? AND org_id = ?'),
      resendInvite: db.prepare<unknown[], InviteTuple>(`
        UPDATE invites SET
          role = coalesce(?, role),
          application_roles = CASE WHEN ? THEN ? ELSE application_roles END,
          dashboard_roles = CASE WHEN ? THEN ? ELSE dashboard_roles END,
          invite_date = ?, ttl = ?, token = ?
        WHERE id = ? AND instance_id = ? AND org_id = ?
        RETURNING ${LIST_COLUMNS}`).raw(true),
      invitesTo: db.prepare<[string], InviteTuple>(`SELECT ${LIST_COLUMNS} FROM invites WHERE email = ? ORDER BY rowid`).raw(true),
      consumeInvite: db.prepare<[string], { instanceId: string, orgId: string }>('DELETE FROM invites WHERE id = ? RETURNING instance_id AS instanceId, org_id AS orgId'),
      upsertMember: db.prepare(`
        INSERT INTO members (instance_id, org_id, email, role) VALUES (?, ?, ?, ?)
        ON CONFLICT (instance_id, org_id, email) DO UPDATE SET role = excluded.role`),
      addOutbox: db.prepare('INSERT INTO outbox (id, to_email, instance_id, org_id, invite_id, token, sent_at, role) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      listOutbox: db.prepare<[number], OutboxRow>(`${OUTBOX_SELECT} ORDER BY o.sent_at DESC, o.id DESC LIMIT ?`),
      listOutboxTo: db.prepare<[string, number], OutboxRow>(`${OUTBOX_SELECT} WHERE o.to_email = ? ORDER BY o.sent_at DESC, o.id DESC LIMIT ?`),
      listMembers: db.prepare<[string, string], MemberRecord>('SELECT instance_id AS instanceId, org_id AS orgId, email, role FROM members WHERE instance_id = ? AND org_id = ? ORDER BY email'),
      getMember: db.prepare<[string, string, string], MemberRecord>('SELECT instance_id AS instanceId, org_id AS orgId, email, role FROM members WHERE instance_id = ? AND org_id = ? AND email = ?'),
      // Counted through the (instance_id, org_id, email) indexes of both tables.
      countsByOrg: db.prepare<[], OrgCounts>(`SELECT o.instance_id AS instanceId, o.id AS orgId,
        (SELECT count(*) FROM invites i WHERE i.instance_id = o.instance_id AND i.org_id = o.id) AS invites,
        (SELECT count(*) FROM members m WHERE m.instance_id = o.instance_id AND m.org_id = o.id) AS members
        FROM orgs o ORDER BY o.rowid`),
      clearOutbox: db.prepare('DELETE FROM outbox'),
      counts: db.prepare<[], StoreCounts>(`SELECT (SELECT count(*) FROM instances) AS instances, (SELECT count(*) FROM orgs) AS orgs,
        (SELECT count(*) FROM invites) AS invites, (SELECT count(*) FROM outbox) AS outbox`),
      // Rows changed by every INSERT/UPDATE/DELETE on this connection, whatever method ran it.
      // (0.15 µs; `PRAGMA data_version`, which would also see other connections, costs 10 µs.)
      totalChanges: db.prepare<[], number>('SELECT total_changes()').pluck(true),
      // Pages inside the database file that deletes freed (a write may reuse them without growing it).
      freePages: db.prepare<[], number>('PRAGMA freelist_count').pluck(true),
      begin: db.prepare('BEGIN'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK')
    }
    this.#pageSize = db.pragma('page_size', { simple: true }) as number
    db.function(GLOB_FUNCTION, { directOnly: true }, (value: unknown) =>
      this.#activeGlob !== undefined && typeof value === 'string' && this.#activeGlob.matches(value) ? 1 : 0)
  }

  /**
   * A number that changes whenever anything read through this store may have changed:
   * any INSERT, UPDATE or DELETE through this connection, whatever method ran it (SQLite's
   * total_changes(), 0.1 µs). Only this connection writes the file (the one-owner lock),
   * so that is every change; migrations run before anyone asks.
   */
  dataVersion (): number {
    const changes = this.#changes()
    if (changes !== this.#seenChanges) {
      this.#seenChanges = changes
      this.#version++
    }
    return this.#version
  }

  /** Rows changed on this connection so far: SQLite's total_changes(). */
  #changes (): number {
    return this.#statements.totalChanges.get() as number
  }

  onChange (listener: (change: StoreChange, versions: ChangeVersions) => void): void {
    this.#listeners.push(listener)
  }

  /**
   * Records a change for its listeners, told once its transaction commits (every write
   * runs in one: #write), with the data version `before` it (read before its statement
   * ran) and after it. A listener that did not last see `before` missed a write.
   */
  #announce (change: StoreChange, before: number): void {
    this.#pending.push({ change, versions: { before, after: this.dataVersion() } })
  }

  /**
   * Runs `write` in a transaction of its own, or in the one open now (it then commits with
   * it). Where every write of the store commits (#commit). `frees`: a write that only
   * removes data (deletes, a reset), which a nearly full disk still takes (#keepRoom).
   */
  #write<T> (write: (before: number) => T, kind: 'adds' | 'frees' = 'adds'): T {
    if (this.#db.inTransaction) return write(this.dataVersion())
    return this.#commit(() => write(this.dataVersion()), kind)
  }

  /**
   * Runs `fn` in one transaction and commits it, or rolls it back and throws:
   * - Before COMMIT, the database file is checked: deleted or replaced, the transaction
   *   rolls back and StoreFileLostError is thrown, so no write is acknowledged that a
   *   restart would lose (the file is gone for good: later writes are refused at once).
   * - A full disk (SQLITE_FULL): the -wal file is checkpointed into the database file and
   *   truncated, which gives back its space, and the transaction runs once more. Only if
   *   it fails again for lack of space does the error reach the client (507).
   */
  #commit<T> (fn: () => T, kind: 'adds' | 'frees'): T {
    if (kind === 'adds' && this.#lowDisk) this.#keepRoom()
    try {
      return this.#commitOnce(fn)
    } catch (error) {
      if (storageFailureKind(error) !== 'full') throw error
      this.#checkpoint()
      try {
        return this.#commitOnce(fn)
      } catch (again) {
        // What the failed attempt wrote into the -wal file is of no use: its space goes back to the disk.
        if (storageFailureKind(again) === 'full') this.#checkpoint()
        throw again
      }
    }
  }

  #commitOnce<T> (fn: () => T): T {
    // Once gone, gone for good: refused before anything runs.
    const lost = this.#fileCheck?.lost
    if (lost !== undefined) throw this.#fileLost(lost.file, lost.change)
    // Prepared BEGIN/COMMIT: better-sqlite3's db.transaction(fn) builds a wrapper per call,
    // a measurable part of a POST (performance: docs/PERFORMANCE.md).
    const s = this.#statements
    s.begin.run()
    let result: T
    try {
      result = fn()
      // The last moment to refuse: a file deleted after this is one deleted after the answer.
      const gone = this.#fileCheck?.check()
      if (gone !== undefined) throw this.#fileLost(gone.file, gone.change)
      s.commit.run()
    } catch (error) {
      if (this.#db.inTransaction) s.rollback.run()
      this.#pending = []
      throw error
    }
    const committed = this.#pending
    this.#pending = []
    this.#afterCommit()
    for (const { change, versions } of committed) {
      for (const listener of this.#listeners) listener(change, versions)
    }
    return result
  }

  /**
   * After a commit: while the disk holding the database has little free space, the -wal
   * file is checkpointed and truncated once it holds more than half of that space, so
   * that what was committed gets into the database file while there is room for it. (A
   * checkpoint needs room to grow the database file; a -wal file holding changes the
   * database file cannot take would refuse every later write, deletes included.)
   */
  #afterCommit (): void {
    if (this.#folder === undefined) return
    const now = performance.now()
    if (!this.#lowDisk && now - this.#diskCheckedAt < DISK_CHECK_MS) return
    this.#diskCheckedAt = now
    const free = this.#freeBytes()
    if (free === undefined) return
    const wasLow = this.#lowDisk
    this.#lowDisk = free < LOW_DISK_BYTES
    if (!this.#lowDisk) return
    const wal = this.#walFileBytes()
    // What this transaction added to the -wal file (from the moment the disk was low).
    if (wasLow && wal - this.#walBytes > this.#largestWrite) this.#largestWrite = wal - this.#walBytes
    this.#walBytes = wal
    if (!wasLow || wal * 2 > free) this.#checkpoint()
  }

  /**
   * On a nearly full disk, refuses (as SQLite would, SQLITE_FULL) a write that adds data
   * unless there is room for the largest transaction seen in the -wal file, and then for
   * the database file to take what the -wal file will hold at the checkpoint (pages freed
   * by deletes inside the database file count for that); the -wal file is emptied first
   * when that makes the room. So the disk never fills with a -wal file that cannot be
   * checkpointed, and deletes always find room.
   */
  #keepRoom (): void {
    const fits = (): boolean => {
      const free = this.#freeBytes()
      if (free === undefined) return true
      const reusable = (this.#statements.freePages.get() as number) * this.#pageSize
      return free >= this.#largestWrite + Math.max(0, this.#walBytes + this.#largestWrite - reusable)
    }
    if (fits()) return
    if (this.#walBytes > 0) {
      this.#checkpoint()
      if (fits()) return
    }
    throw new SqliteError('database or disk is full (the room left is kept for deletes)', 'SQLITE_FULL')
  }

  /** The -wal file's size now (0 when there is none). */
  #walFileBytes (): number {
    try {
      return statSync(`${this.location}-wal`, { throwIfNoEntry: false })?.size ?? 0
    } catch {
      return 0
    }
  }

  /** Free bytes on the database's file system, for this user; undefined when it cannot be told. */
  #freeBytes (): number | undefined {
    try {
      const { bavail, bsize } = statfsSync(this.#folder!)
      return bavail * bsize
    } catch {
      // The folder is gone: the next write's file check says so.
      return undefined
    }
  }

  /**
   * Copies what the -wal file holds into the database file and truncates it to nothing.
   * Always complete here: no other connection reads the file (the one-owner lock). A
   * failure (no room to grow the database file) leaves both files as they were.
   */
  #checkpoint (): void {
    try {
      this.#db.pragma('wal_checkpoint(TRUNCATE)')
      this.#walBytes = 0
    } catch {}
  }

  /** The error for a write refused because the file is gone; the first time, tells the listeners. */
  #fileLost (file: string, change: 'deleted' | 'replaced'): StoreFileLostError {
    const error = new StoreFileLostError(file, change)
    const listeners = this.#fileLostListeners.splice(0)
    for (const listener of listeners) listener({ kind: 'moved', database: this.location, file, change })
    return error
  }

  onFileLost (listener: (failure: StorageFailure) => void): void {
    this.#fileLostListeners.push(listener)
  }

  getInstance (instanceId: string): InstanceRecord | undefined {
    return this.#statements.getInstance.get(instanceId)
  }

  getOrg (instanceId: string, orgId: string): OrgRecord | undefined {
    return this.#statements.getOrg.get(instanceId, orgId)
  }

  createInstance (instance: InstanceRecord): InstanceRecord {
    return this.#write((before) => {
      try {
        this.#statements.insertInstance.run(instance.id, instance.name)
      } catch (error) {
        throw asConflict(error, `Instance ${instance.id} already exists`)
      }
      this.#announce(NO_INVITES, before)
      return { id: instance.id, name: instance.name }
    })
  }

  createOrg (org: OrgRecord): OrgRecord {
    return this.#write((before) => {
      try {
        this.#statements.insertOrg.run(org.instanceId, org.id, org.name)
      } catch (error) {
        throw asConflict(error, `Organization ${org.id} already exists in instance ${org.instanceId}`)
      }
      // A new org has no invites (one deleted before was announced then).
      this.#announce(NO_INVITES, before)
      return { instanceId: org.instanceId, id: org.id, name: org.name }
    })
  }

  listInvites (query: InviteListQuery): InviteRecord[] {
    const { narrowing, params } = listParameters(query)
    const statement = this.#listStatement(narrowing, query.filter?.field, query.sortField, query.sortDirection, 'all')
    return tuplesToRecords(this.#withGlob(query, () => statement.all(...params) as InviteTuple[]))
  }

  pageInvites (query: InviteListQuery, offset: number, limit: number): { total: number, records: InviteRecord[] } {
    const { narrowing, params } = listParameters(query)
    const count = this.#listStatement(narrowing, query.filter?.field, query.sortField, query.sortDirection, 'count')
    const page = this.#listStatement(narrowing, query.filter?.field, query.sortField, query.sortDirection, 'page')
    return this.#withGlob(query, () => ({
      total: count.get(...params) as number,
      records: tuplesToRecords(page.all(...params, limit, offset) as InviteTuple[])
    }))
  }

  /** Runs a listing's statements with its glob where `invite_glob()` finds it. */
  #withGlob<T> (query: InviteListQuery, run: () => T): T {
    this.#activeGlob = query.filter?.glob
    try {
      return run()
    } finally {
      this.#activeGlob = undefined
    }
  }

  #listStatement (
    narrowing: Narrowing,
    filterField: 'email' | 'role' | undefined,
    sortField: InviteListQuery['sortField'],
    direction: InviteListQuery['sortDirection'],
    shape: 'all' | 'page' | 'count'
  ): Database.Statement {
    const key = `${narrowing}:${filterField ?? ''}:${sortField}:${direction}:${shape}`
    let statement = this.#listStatements.get(key)
    if (statement === undefined) {
      const where = {
        none: '',
        exact: 'AND email = ?',
        prefix: 'AND email >= ? AND email < ?',
        suffix: 'AND email_reversed >= ? AND email_reversed < ?'
      }[narrowing]
      const glob = filterField === undefined
        ? ''
        : filterField === 'email' ? `AND instr(email, ?) > 0 AND ${GLOB_FUNCTION}(email)` : `AND ${GLOB_FUNCTION}(role)`
      const dir = direction === 'asc' ? 'ASC' : 'DESC'
      // An email filter no index range narrows is checked on the email index (covering:
      // only matching rows are read from the table, then sorted), not on the primary key's,
      // which would read every row of the org from the table.
      const scan = narrowing === 'none' && filterField === 'email' ? 'INDEXED BY invites_by_email' : ''
      const from = `FROM invites ${scan} WHERE instance_id = ? AND org_id = ? ${where} ${glob}`
      statement = shape === 'count'
        ? this.#db.prepare(`SELECT count(*) ${from}`).pluck(true)
        : this.#db.prepare(`SELECT ${LIST_COLUMNS} ${from} ORDER BY ${SORT_COLUMNS[sortField]} ${dir}, id ${dir}${shape === 'page' ? ' LIMIT ? OFFSET ?' : ''}`).raw(true)
      this.#listStatements.set(key, statement)
    }
    return statement
  }

  upsertInvite (instanceId: string, orgId: string, invite: InviteWrite): InviteRecord {
    return this.#write((before) => {
      let id
      try {
        id = this.#statements.upsertInvite.get(...inviteColumns({ ...invite, instanceId, orgId }))
      } catch (error) {
        // The invite's org is a foreign key: no such org, nothing written.
        if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw new StoreMissingOrgError(`Organization ${orgId} does not exist in instance ${instanceId}`)
        throw error
      }
      if (id === undefined) throw new Error('upsert returned no row')
      // As tupleToRecord would read the row back: a re-invite keeps the id, the rest is what was written.
      const written: InviteRecord = { id, instanceId, orgId, email: invite.email, role: invite.role, inviteDate: invite.inviteDate, ttl: invite.ttl, token: invite.token }
      if (invite.applicationRoles !== undefined) written.applicationRoles = invite.applicationRoles
      if (invite.dashboardRoles !== undefined) written.dashboardRoles = invite.dashboardRoles
      if (invite.disallowTransfer !== undefined) written.disallowTransfer = invite.disallowTransfer
      this.#announce({ invites: { instanceId, orgId, written } }, before)
      return written
    })
  }

  getInvite (instanceId: string, orgId: string, inviteId: string): InviteRecord | undefined {
    const row = this.#statements.getInvite.get(inviteId, instanceId, orgId)
    return row === undefined ? undefined : tupleToRecord(row)
  }

  deleteInvite (instanceId: string, orgId: string, inviteId: string): boolean {
    return this.#write((before) => {
      const deleted = this.#statements.deleteInvite.run(inviteId, instanceId, orgId).changes > 0
      if (deleted) this.#announce({ invites: { instanceId, orgId } }, before)
      return deleted
    }, 'frees')
  }

  resendInvite (instanceId: string, orgId: string, inviteId: string, resend: InviteResend): InviteRecord | undefined {
    return this.#write((before) => {
      const row = this.#statements.resendInvite.get(
        resend.role ?? null,
        resend.applicationRoles === undefined ? 0 : 1, resend.applicationRoles === undefined ? null : JSON.stringify(resend.applicationRoles),
        resend.dashboardRoles === undefined ? 0 : 1, resend.dashboardRoles === undefined ? null : JSON.stringify(resend.dashboardRoles),
        resend.inviteDate, resend.ttl, resend.token,
        inviteId, instanceId, orgId
      )
      if (row === undefined) return undefined
      const written = tupleToRecord(row)
      this.#announce({ invites: { instanceId, orgId, written } }, before)
      return written
    })
  }

  invitesTo (email: string): InviteRecord[] {
    return tuplesToRecords(this.#statements.invitesTo.all(email))
  }

  consumeInvite (inviteId: string, member?: MemberRecord): boolean {
    return this.#write((before) => {
      const org = this.#statements.consumeInvite.get(inviteId)
      if (org === undefined) return false
      if (member !== undefined) this.#statements.upsertMember.run(member.instanceId, member.orgId, member.email, member.role)
      this.#announce({ invites: org }, before)
      return true
    }, 'frees')
  }

  addOutboxMessage (message: OutboxMessage): void {
    this.#write((before) => {
      this.#statements.addOutbox.run(message.id, message.to, message.instanceId, message.orgId, message.inviteId, message.token, message.sentAt, message.role ?? null)
      this.#announce(NO_INVITES, before)
    })
  }

  listOutbox (email?: string, limit = NO_LIMIT): OutboxListing[] {
    const rows = email === undefined ? this.#statements.listOutbox.all(limit) : this.#statements.listOutboxTo.all(email, limit)
    return rows.map(toOutboxListing)
  }

  listMembers (instanceId: string, orgId: string): MemberRecord[] {
    return this.#statements.listMembers.all(instanceId, orgId)
  }

  getMember (instanceId: string, orgId: string, email: string): MemberRecord | undefined {
    return this.#statements.getMember.get(instanceId, orgId, email)
  }

  countsByOrg (): OrgCounts[] {
    return this.#statements.countsByOrg.all()
  }

  clearOutbox (): void {
    this.#write((before) => {
      this.#statements.clearOutbox.run()
      this.#announce(NO_INVITES, before)
    }, 'frees')
  }

  counts (): StoreCounts {
    return this.#statements.counts.get()!
  }

  listInstances (): InstanceRecord[] {
    return this.#statements.listInstances.all()
  }

  listOrgs (instanceId?: string): OrgRecord[] {
    return instanceId === undefined ? this.#statements.listOrgs.all() : this.#statements.listOrgsOf.all(instanceId)
  }

  deleteInstance (instanceId: string): boolean {
    return this.#write((before) => {
      const deleted = this.#statements.deleteInstance.run(instanceId).changes > 0
      // Its orgs went with it (ON DELETE CASCADE).
      if (deleted) this.#announce(ANY_INVITES, before)
      return deleted
    }, 'frees')
  }

  deleteOrg (instanceId: string, orgId: string): boolean {
    return this.#write((before) => {
      const deleted = this.#statements.deleteOrg.run(instanceId, orgId).changes > 0
      if (deleted) this.#announce({ invites: { instanceId, orgId } }, before)
      return deleted
    }, 'frees')
  }

  dump (): StoreDump {
    return this.#db.transaction(() => ({
      instances: this.listInstances(),
      orgs: this.listOrgs(),
      invites: tuplesToRecords(this.#statements.allInvites.all()),
      members: this.#statements.allMembers.all(),
      tokens: [...this.staticTokens()].map(([token, grant]) => ({ token, ...grant }))
    }))()
  }

  replaceAll (dump: StoreDump): void {
    const s = this.#statements
    this.#write((before) => {
      s.clearTokens.run()
      s.clearInstances.run()
      for (const instance of dump.instances) this.createInstance(instance)
      for (const org of dump.orgs) this.createOrg(org)
      for (const invite of dump.invites) {
        try {
          s.insertInvite.run(...inviteColumns(invite))
        } catch (error) {
          throw asConflict(error, `Invite ${invite.id} (${invite.email}) is a duplicate or belongs to no organization`)
        }
      }
      for (const member of dump.members) {
        try {
          s.insertMember.run(member.instanceId, member.orgId, member.email, member.role)
        } catch (error) {
          throw asConflict(error, `Member ${member.email} is a duplicate in organization ${member.orgId}`)
        }
      }
      for (const token of dump.tokens) {
        try {
          s.insertToken.run(token.token, JSON.stringify(token.scope), token.instanceId ?? null)
        } catch (error) {
          throw asConflict(error, 'A static token is listed twice')
        }
      }
      this.#announce(ANY_INVITES, before)
    }, 'frees')
  }

  /**
   * Runs `fn` in one transaction (nested calls become savepoints): bulk writes, such as
   * the benchmark's seed of 100k invites, commit once instead of once per invite. Its
   * changes are announced once it commits; a rollback announces none (the data version
   * tells listeners that something they were not told of happened). `fn` may run twice:
   * once more after a full disk was given back the -wal file's space (#commit).
   */
  transaction<T> (fn: () => T): T {
    if (this.#db.inTransaction) {
      try {
        return this.#db.transaction(fn)()
      } catch (error) {
        // Rolled back to the savepoint: what it announced did not happen, and the outer
        // transaction may still commit. (NaN: no listener has seen that version.)
        this.#announce(ANY_INVITES, Number.NaN)
        throw error
      }
    }
    return this.#commit(fn, 'adds')
  }

  signingKey (): Buffer {
    const existing = this.#statements.getSetting.get('signing_key')
    if (existing !== undefined) return existing.value
    const key = randomBytes(32)
    this.#write((before) => {
      this.#statements.setSetting.run('signing_key', key)
      this.#announce(NO_INVITES, before)
    })
    return key
  }

  staticTokens (): Map<string, TokenGrant> {
    const tokens = new Map<string, TokenGrant>()
    for (const row of this.#statements.staticTokens.all()) {
      const grant: TokenGrant = { scope: JSON.parse(row.scope) }
      if (row.instance_id !== null) grant.instanceId = row.instance_id
      tokens.set(row.token, grant)
    }
    return tokens
  }

  recordFailure (error: unknown): StorageFailure | undefined {
    if (error instanceof StoreFileLostError) return { kind: 'moved', database: this.location, file: error.file, change: error.change }
    const kind = storageFailureKind(error)
    if (kind === undefined || kind === 'moved') return undefined
    if (kind === 'full') this.#fullAtChanges = this.#changes()
    return { kind, database: this.location }
  }

  storageProblem (): StorageFailure | undefined {
    const lost = this.#fileCheck?.check()
    if (lost !== undefined) return this.recordFailure(this.#fileLost(lost.file, lost.change))
    // A write that succeeded since (it changed rows) shows there is space again.
    if (this.#fullAtChanges !== undefined && this.#changes() !== this.#fullAtChanges) this.#fullAtChanges = undefined
    return this.#fullAtChanges === undefined ? undefined : { kind: 'full', database: this.location }
  }

  close (): void {
    if (this.#db.open) this.#db.close()
  }
}

/** The one INSERT of an invite; its values come from inviteColumns(). */
const INSERT_INVITE = `
  INSERT INTO invites (id, instance_id, org_id, email, email_reversed, role, invite_date, ttl,
                       application_roles, dashboard_roles, disallow_transfer, token)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

/** An invite as the invites table's columns, in the order INSERT_INVITE names them. */
function inviteColumns (invite: InviteWrite & { instanceId: string, orgId: string }): unknown[] {
  return [
    invite.id, invite.instanceId, invite.orgId, invite.email, reverseString(invite.email), invite.role, invite.inviteDate, invite.ttl,
    invite.applicationRoles === undefined ? null : JSON.stringify(invite.applicationRoles),
    invite.dashboardRoles === undefined ? null : JSON.stringify(invite.dashboardRoles),
    invite.disallowTransfer === undefined ? null : invite.disallowTransfer ? 1 : 0,
    invite.token
  ]
}

const NO_INVITES: StoreChange = { invites: 'none' }
const ANY_INVITES: StoreChange = { invites: 'any' }

function asConflict (error: unknown, message: string): unknown {
  const code = (error as { code?: string }).code
  return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY'
    ? new StoreConflictError(message)
    : error
}
