import type Database from 'better-sqlite3'

/**
 * The schema, versioned with `PRAGMA user_version`: migration N takes a database from
 * version N-1 to N. Applied in one transaction at open; never edit a released step,
 * add one.
 */
const MIGRATIONS: readonly string[] = [
  // 1: instances, orgs, invites with an index per sort order and for email prefix/suffix,
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
  `
]

export const SCHEMA_VERSION = MIGRATIONS.length

/** Brings the database to SCHEMA_VERSION; answers the version it had (0: a new database). */
export function migrate (db: Database.Database): number {
  const current = db.pragma('user_version', { simple: true }) as number
  if (current > SCHEMA_VERSION) {
    throw new Error(`the database's schema version ${current} is newer than this emulator's (${SCHEMA_VERSION})`)
  }
  db.transaction(() => {
    for (let version = current + 1; version <= SCHEMA_VERSION; version++) {
      db.exec(MIGRATIONS[version - 1]!)
      db.pragma(`user_version = ${version}`)
    }
  })()
  return current
}
