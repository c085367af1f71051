#!/usr/bin/env node
// What each index of the invites and outbox tables costs a write, and what it buys a read
// (docs/PERFORMANCE.md, "POST"). In one process, through the store itself (dist/, or src/
// with --source): a database like the benchmark's (an org of 50 invites, one of 10,000,
// one of 100,000, an outbox of 100,000 e-mails), copied once per variant of the schema
// (as shipped, one of its indexes dropped, or one that migration 5 dropped made again),
// then, in interleaved rounds:
// - writes: a POST's transaction (the upsert and its outbox row), re-inviting the 50-invite
//   org's emails in rotation (the benchmark's c) and inviting new emails into the
//   10,000-invite org: CPU time per transaction (process.cpuUsage, every thread);
// - reads: each read that an index serves, with it and without it: the median time of one
//   read.
//
//   npm run build && node bench/write-probe.mjs [--rounds 5] [--writes 2000]
//   node --import tsx bench/write-probe.mjs --source --rounds 1 --writes 200
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import Database from 'better-sqlite3'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const { values: args } = parseArgs({
  options: {
    source: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '5' },
    writes: { type: 'string', default: '2000' },
    reads: { type: 'string', default: '20' }
  }
})
const ROUNDS = Number(args.rounds)
const WRITES = Number(args.writes)
const READS = Number(args.reads)
const modulePath = (name) => args.source ? join(ROOT, 'src', `${name}.ts`) : join(ROOT, 'dist', 'src', `${name}.js`)
const { SqliteInviteStore } = await import(modulePath('store/sqlite'))
const { compileGlob } = await import(modulePath('glob'))

const INSTANCE = '5f0000000000000000000001'
const ORG50 = '5f00000000000000000000a1'
const ORG10K = '5f00000000000000000000a2'
const ORG100K = '5f00000000000000000000a3'
const DAY = 24 * 3600 * 1000
const ROLES = ['view', 'edit', 'admin', 'collaborate']
const hex = (n, width) => n.toString(16).padStart(width, '0')

/**
 * The indexes a write may pay for, with the reads each serves (as they reach the store);
 * `shipped`: whether the emulator's schema has it (else it is one migration 5 dropped).
 */
const INDEXES = {
  invites_by_email_reversed: [
    ['f: suffix filter `*@rare.example`, 100k org', (s) => s.listInvites(listQuery(ORG100K, 'inviteDate', 'desc', '*@rare.example'))]
  ],
  invites_by_role: [
    'CREATE INDEX invites_by_role ON invites (instance_id, org_id, role, id)',
    ['UI page 1, sort by role, 10k org', (s) => s.pageInvites(listQuery(ORG10K, 'role', 'asc'), 0, 50)],
    ['UI page 1, filter role=admin, 10k org', (s) => s.pageInvites({ ...listQuery(ORG10K, 'inviteDate', 'desc'), filter: { field: 'role', glob: compileGlob('admin') } }, 0, 50)],
    ['GET sorted by role, 10k org (uncached)', (s) => s.listInvites(listQuery(ORG10K, 'role', 'asc'))]
  ],
  invites_by_date: [
    'CREATE INDEX invites_by_date ON invites (instance_id, org_id, invite_date, id)',
    ['UI page 1, default order, 10k org', (s) => s.pageInvites(listQuery(ORG10K, 'inviteDate', 'desc'), 0, 50)],
    ['UI page 100, default order, 10k org', (s) => s.pageInvites(listQuery(ORG10K, 'inviteDate', 'desc'), 4950, 50)],
    ['GET default order, 10k org (uncached)', (s) => s.listInvites(listQuery(ORG10K, 'inviteDate', 'desc'))]
  ],
  invites_by_recipient: [
    ['accept by token / look-up by email (invitesTo)', (s) => s.invitesTo('user42.a@rare.example')]
  ],
  outbox_by_recipient: [
    ['outbox to one address (GET /_emulator/outbox?email=)', (s) => s.listOutbox('user7@example.com')]
  ]
}

function listQuery (orgId, sortField, sortDirection, filter) {
  const query = { instanceId: INSTANCE, orgId, sortField, sortDirection }
  if (filter !== undefined) query.filter = { field: 'email', glob: compileGlob(filter) }
  return query
}

function seed (path) {
  const store = new SqliteInviteStore(path)
  const base = Date.now() - DAY
  let tick = 0
  const add = (orgId, email) => {
    const inviteDate = base + tick++
    store.upsertInvite(INSTANCE, orgId, { id: `${hex(Math.floor(inviteDate / 1000), 8)}ab${hex(tick, 14)}`, email, role: ROLES[tick % 4], inviteDate, ttl: 7 * DAY, token: `t${tick}` })
  }
  store.transaction(() => {
    store.createInstance({ id: INSTANCE, name: 'Probe' })
    for (const orgId of [ORG50, ORG10K, ORG100K]) store.createOrg({ instanceId: INSTANCE, id: orgId, name: orgId })
    for (let i = 0; i < 50; i++) add(ORG50, `user${i}@example.com`)
    for (let i = 0; i < 10_000; i++) add(ORG10K, i < 10 ? `user42.${i}@rare.example` : `m${i}@bulk${i % 7}.example`)
    for (let i = 0; i < 100_000; i++) add(ORG100K, i < 10 ? `user42.${i}@rare.example` : `m${i}@bulk${i % 7}.example`)
    for (let i = 0; i < 100_000; i++) {
      store.addOutboxMessage({ id: `${hex(i, 8)}cd${hex(i, 14)}`, to: `user${i % 5000}@example.com`, instanceId: INSTANCE, orgId: ORG50, inviteId: 'x', token: 't', sentAt: base + i, role: 'view' })
    }
  })
  store.close()
}

let counter = 0
const newId = (now) => `${hex(Math.floor(now / 1000), 8)}ef${hex(++counter, 14)}`

/** A POST's transaction, as the route makes it: the upsert, then its outbox row. */
function post (store, orgId, email, role) {
  const now = Date.now()
  store.transaction(() => {
    const invite = store.upsertInvite(INSTANCE, orgId, { id: newId(now), email, role, inviteDate: now, ttl: 7 * DAY, token: `tok${counter}` })
    store.addOutboxMessage({ id: newId(now), to: invite.email, instanceId: INSTANCE, orgId, inviteId: invite.id, token: invite.token, sentAt: now, role })
  })
}

function cpuMicros () {
  const { user, system } = process.cpuUsage()
  return user + system
}

const median = (values) => {
  const sorted = [...values].sort((x, y) => x - y)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

const dir = mkdtempSync(join(tmpdir(), 'losant-write-probe-'))
try {
  const seeded = join(dir, 'seeded.db')
  seed(seeded)
  const variants = [{ name: 'as shipped', index: undefined }, ...Object.entries(INDEXES).map(([index, reads]) => typeof reads[0] === 'string'
    ? { name: `with ${index} (dropped by migration 5)`, index, sql: reads[0] }
    : { name: `without ${index}`, index, sql: `DROP INDEX ${index}` })]
  for (const [i, variant] of variants.entries()) {
    variant.path = join(dir, `variant${i}.db`)
    copyFileSync(seeded, variant.path)
    const db = new Database(variant.path)
    if (variant.sql !== undefined) db.exec(variant.sql)
    db.exec('VACUUM')
    db.close()
    variant.store = new SqliteInviteStore(variant.path)
    variant.reinvite = []
    variant.create = []
    variant.reads = {}
  }
  let fresh = 0
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of variants) {
      const { store } = variant
      let before = cpuMicros()
      for (let i = 0; i < WRITES; i++) post(store, ORG50, `user${i % 50}@example.com`, ROLES[i % 3])
      variant.reinvite.push((cpuMicros() - before) / WRITES)
      before = cpuMicros()
      for (let i = 0; i < WRITES; i++) post(store, ORG10K, `new${round}.${fresh++}@fresh${i % 5}.example`, ROLES[i % 3])
      variant.create.push((cpuMicros() - before) / WRITES)
    }
  }
  for (const variant of variants) {
    for (const [index, reads] of Object.entries(INDEXES)) {
      for (const [name, read] of reads.filter((read) => typeof read !== 'string')) {
        const times = []
        try {
          for (let i = 0; i < READS; i++) {
            const started = performance.now()
            read(variant.store)
            times.push(performance.now() - started)
          }
          variant.reads[`${index}|${name}`] = median(times)
        } catch (error) {
          // A statement that names the index (INDEXED BY) cannot run without it.
          variant.reads[`${index}|${name}`] = error.message
        }
      }
    }
  }
  const all = variants[0]
  const out = []
  out.push(`# A POST's transaction by schema: CPU µs per transaction, median of ${ROUNDS} interleaved rounds of ${WRITES}`)
  out.push('')
  out.push('| schema | re-invite (c) | vs shipped | new invite | vs shipped |')
  out.push('| --- | --- | --- | --- | --- |')
  for (const variant of variants) {
    const reinvite = median(variant.reinvite)
    const create = median(variant.create)
    const saved = (mine, reference) => variant === all ? '' : `${mine >= reference ? '+' : ''}${(mine - reference).toFixed(1)}`
    out.push(`| ${variant.name} | ${reinvite.toFixed(1)} | ${saved(reinvite, median(all.reinvite))} | ${create.toFixed(1)} | ${saved(create, median(all.create))} |`)
  }
  out.push('')
  out.push(`# What each index buys: the reads it serves, median ms of ${READS}, with it and without it`)
  out.push('')
  out.push('| index | read | with | without | ratio |')
  out.push('| --- | --- | --- | --- | --- |')
  for (const [index, reads] of Object.entries(INDEXES)) {
    const variant = variants.find((v) => v.index === index)
    const [withIt, without] = typeof reads[0] === 'string' ? [variant.reads, all.reads] : [all.reads, variant.reads]
    for (const [name] of reads.filter((read) => typeof read !== 'string')) {
      const key = `${index}|${name}`
      const ms = (value) => typeof value === 'number' ? value.toFixed(3) : value
      out.push(`| ${index} | ${name} | ${ms(withIt[key])} | ${ms(without[key])} | ${(without[key] / withIt[key]).toFixed(1)}x |`)
    }
  }
  for (const variant of variants) variant.store.close()
  process.stdout.write(`${out.join('\n')}\n`)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
