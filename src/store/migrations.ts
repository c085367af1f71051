import type Database from 'better-sqlite3'

/** `PRAGMA application_id` of the emulator's files: "LSIE", Losant invites emulator. */
const APPLICATION_ID = 0x4C534945

/**
 * The schema, versioned with `PRAGMA user_version`: migration N takes a database from
 * version N-1 to N. Applied in one transaction at open; never edit a released step,
 * add one.
 */
const MIGRATIONS: readonly string[] = [
  // 1: instances, orgs, invites with an index per sort order (dropped by 5) and for email prefix/suffix,
  //    members, static tokens, settings (the signing key).
  `
  CREATE TABLE settings (key TEXT PRIMARY KEY, value BLOB NOT NULL);
  CREATE TABLE instances (id TEXT PRIMARY KEY, name TEXT NOT NULL);
  CREATE TABLE orgs (
    instance_id TEXT NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (instance_id, id)
  );
  CREATE TABLE invites (
    id TEXT PRIMARY KEY,
    instance_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    email TEXT NOT NULL,
    email_reversed TEXT NOT NULL,
    role TEXT NOT NULL,
    invite_date INTEGER NOT NULL,
    ttl INTEGER NOT NULL,
    application_roles TEXT,
    dashboard_roles TEXT,
    disallow_transfer INTEGER,
    token TEXT NOT NULL,
    FOREIGN KEY (instance_id, org_id) REFERENCES orgs (instance_id, id) ON DELETE CASCADE
  );
  CREATE UNIQUE INDEX invites_by_email ON invites (instance_id, org_id, email);
  CREATE INDEX invites_by_email_reversed ON invites (instance_id, org_id, email_reversed);
  CREATE INDEX invites_by_role ON invites (instance_id, org_id, role, id);
  CREATE INDEX invites_by_date ON invites (instance_id, org_id, invite_date, id);
  CREATE INDEX invites_by_recipient ON invites (email);
  CREATE TABLE members (
    instance_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    PRIMARY KEY (instance_id, org_id, email),
    FOREIGN KEY (instance_id, org_id) REFERENCES orgs (instance_id, id) ON DELETE CASCADE
  );
  CREATE TABLE static_tokens (token TEXT PRIMARY KEY, scope TEXT NOT NULL, instance_id TEXT);
  `,
  // 2: the outbox: the e-mails the real service would have sent, newest first by sent_at.
  `
  CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    to_email TEXT NOT NULL,
    instance_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    invite_id TEXT NOT NULL,
    token TEXT NOT NULL,
    sent_at INTEGER NOT NULL
  );
  CREATE INDEX outbox_by_recipient ON outbox (to_email, sent_at);
  `,
  // 3: the mark that tells the emulator's files from other applications' (checkOwner()).
  `PRAGMA application_id = ${APPLICATION_ID}`,
  // 4: the role an e-mail offered (null in e-mails recorded before it was kept).
  'ALTER TABLE outbox ADD COLUMN role TEXT',
  // 5: no index per sort order. A re-invite moved its entries in both: about half the
  //    CPU of a POST's transaction, for a page of an org too large for the listings to
  //    keep in memory (over 5,000 invites) (docs/PERFORMANCE.md, "POST").
  `
  DROP INDEX IF EXISTS invites_by_role;
  DROP INDEX IF EXISTS invites_by_date;
  `
]

export const SCHEMA_VERSION = MIGRATIONS.length
/** Schema versions made before the mark: such a file is the emulator's if it holds these tables. */
const UNMARKED_VERSIONS = 2
const FIRST_TABLES = ['settings', 'instances', 'orgs', 'invites', 'members', 'static_tokens']

/**
 * Whose the opened file is, read before anything is written to it: the emulator's
 * (marked, or made by a version before the mark), new (no mark, no schema: a zero-length
 * or empty file), or another application's (the reason says how it tells).
 */
export function checkOwner (db: Database.Database): { owner: 'emulator' | 'new' } | { owner: 'other', reason: string } {
  const applicationId = db.pragma('application_id', { simple: true }) as number
  if (applicationId === APPLICATION_ID) return { owner: 'emulator' }
  if (applicationId !== 0) {
    return { owner: 'other', reason: `its application_id is 0x${(applicationId >>> 0).toString(16).padStart(8, '0')}, not the emulator's` }
  }
  const version = db.pragma('user_version', { simple: true }) as number
  const tables = db.prepare<[], string>("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all()
  if (version === 0 && tables.length === 0) return { owner: 'new' }
  if (version >= 1 && version <= UNMARKED_VERSIONS && FIRST_TABLES.every((table) => tables.includes(table))) return { owner: 'emulator' }
  const shown = tables.length === 0 ? 'no tables' : `tables ${tables.slice(0, 5).join(', ')}${tables.length > 5 ? ', …' : ''}`
  return { owner: 'other', reason: `it holds another application's data (user_version ${version}, ${shown})` }
}

/** Brings the database to SCHEMA_VERSION; answers the version it had (0: a new database). */
export function migrate (db: Database.Database): number {
  const current = db.pragma('user_version', { simple: true }) as number
  if (current > SCHEMA_VERSION) {
    throw new Error(`its schema version ${current} is newer than this emulator's (${SCHEMA_VERSION}): it was made by a later version`)
  }
  db.transaction(() => {
    for (let version = current + 1; version <= SCHEMA_VERSION; version++) {
      db.exec(MIGRATIONS[version - 1]!)
      db.pragma(`user_version = ${version}`)
    }
  })()
  return current
}
