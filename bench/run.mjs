#!/usr/bin/env node
// The benchmark (docs/PERFORMANCE.md): the emulator, from its built output, against two
// baselines, bare Fastify servers answering the same requests with the emulator's own
// answers captured beforehand, whose POSTs also make a durable write
// (bench/baseline-server.mjs): into the emulator's schema (B), or into a lean one, the
// invites table with only its primary key and unique email index (L). All listen on
// 127.0.0.1 only; every load run is bounded in time (and every probe loop in count too);
// every server started here is killed on the way out, error or not.
//
//   npm run bench                          full run (builds first)
//   node bench/run.mjs --smoke             seconds: tiny orgs and durations
//   node --import tsx bench/run.mjs --smoke --source   the same against src/ (no build)
//   --server FILE                          the emulator's entry point to run, in place of
//                                          dist/server.mjs (or, with --source, src/server.ts
//                                          through tsx): a bundle of scripts/bundle.mjs --outfile
//   node bench/run.mjs --ablation          the emulator with each mechanism off in turn
//                                          (bench/variants.mjs), against all of them on
//   options: --rounds N  --duration S (a-c)  --probe S (f, g)  --json FILE (raw results)
//            --only a,c,d  some scenarios only (quick iterations; the targets of the rest are not judged)
//            --cpu-prof DIR  the emulator and the lean baseline under `node --cpu-prof`, and where
//                          each spends its CPU per request, by stage (bench/stages.mjs); with --only c:
//                          the POST's stage table of docs/PERFORMANCE.md
import { spawn } from 'node:child_process'
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import Database from 'better-sqlite3'
import { NODE_FLAGS } from '../scripts/node-flags.mjs'
import { stageTable } from './stages.mjs'
import { VARIANTS } from './variants.mjs'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    source: { type: 'boolean', default: false },
    ablation: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    probe: { type: 'string' },
    json: { type: 'string' },
    only: { type: 'string' },
    'cpu-prof': { type: 'string' },
    server: { type: 'string' }
  }
})

const SMOKE = args.smoke
const CONFIG = {
  rounds: Number(args.rounds ?? (SMOKE ? 1 : 5)),
  /** Seconds of load per autocannon run (scenarios a-c). */
  duration: Number(args.duration ?? (SMOKE ? 0.2 : 5)),
  /** Seconds of sequential requests per latency probe (scenarios f, g). */
  probe: Number(args.probe ?? (SMOKE ? 0.02 : 1.5)),
  /** Most requests a latency probe sends, whatever its duration. */
  probeMaxCount: SMOKE ? 10 : 5000,
  warmUp: !SMOKE,
  connections: 10,
  coldStarts: SMOKE ? 1 : 5,
  bigOrg: SMOKE ? 100 : 1000,
  longEmails: SMOKE ? 10 : 100,
  scaling: SMOKE ? [100, 300, 1000] : [1000, 10_000, 100_000]
}
/** The scenarios run (a-g); --only picks some. */
const ONLY = new Set((args.only ?? 'a,b,c,d,e,f,g').split(',').map((id) => id.trim()))
if ([...ONLY].some((id) => !'abcdefg'.includes(id) || id.length !== 1)) throw new Error('--only takes scenario letters a-g, e.g. --only c,d')
if (!(CONFIG.rounds >= 1 && CONFIG.rounds <= 50 && CONFIG.duration > 0 && CONFIG.duration <= 120 && CONFIG.probe > 0 && CONFIG.probe <= 60)) {
  throw new Error('--rounds must be 1-50, --duration 0-120 s, --probe 0-60 s')
}

// From the build (the real thing: the bundled server, and tsc's output for the store used to
// seed), or from src/ through tsx (the smoke test, no build).
const modulePath = (name) => args.source ? join(ROOT, 'src', `${name}.ts`) : join(ROOT, 'dist', 'src', `${name}.js`)
const BUNDLE = args.server ?? join(ROOT, 'dist', 'server.mjs')
if (!args.source) {
  for (const file of [BUNDLE, modulePath('store/sqlite')]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` (npm run bench does)`)
  }
}
const { SqliteInviteStore } = await import(modulePath('store/sqlite'))
const { TokenService } = await import(modulePath('auth/tokens'))
const { Clock } = await import(modulePath('clock'))
const { newObjectId } = await import(modulePath('ids'))

/**
 * How each server starts: `command` (argv), `env`. The emulator runs as npm start, the
 * package's command and the image run it: the bundle, under scripts/node-flags.mjs's V8
 * flags. The baseline runs under plain node.
 */
/** With --cpu-prof: V8's CPU profile of the process, written into that folder when it exits (SIGTERM, stopServer). */
const PROFILE_DIR = args['cpu-prof']
const withProfile = ([node, ...rest], name) => PROFILE_DIR === undefined
  ? [node, ...rest]
  : [node, '--cpu-prof', '--cpu-prof-dir', PROFILE_DIR, '--cpu-prof-name', `${name}.cpuprofile`, ...rest]
const EMULATOR = args.source && args.server === undefined
  ? { command: [process.execPath, '--import', 'tsx', join(ROOT, 'src', 'server.ts')], env: process.env }
  : { command: withProfile([process.execPath, ...NODE_FLAGS, BUNDLE], 'emulator'), env: process.env }
const BASELINE = { command: [process.execPath, join(ROOT, 'bench', 'baseline-server.mjs')], env: process.env }
const LEAN_BASELINE = { command: withProfile(BASELINE.command, 'lean-baseline'), env: process.env }

/**
 * The lean baseline's database (L): the seeded invites in a table with only the primary key
 * and the unique email index (what an upsert by email needs), and an outbox with only its
 * primary key. No email_reversed column: it exists only for an index.
 */
function makeLeanDb (from, to) {
  const db = new Database(to)
  try {
    db.pragma('journal_mode = WAL')
    db.exec(`
      CREATE TABLE invites (
        id TEXT PRIMARY KEY, instance_id TEXT NOT NULL, org_id TEXT NOT NULL, email TEXT NOT NULL, role TEXT NOT NULL,
        invite_date INTEGER NOT NULL, ttl INTEGER NOT NULL, application_roles TEXT, dashboard_roles TEXT,
        disallow_transfer INTEGER, token TEXT NOT NULL
      );
      CREATE UNIQUE INDEX invites_by_email ON invites (instance_id, org_id, email);
      CREATE TABLE outbox (
        id TEXT PRIMARY KEY, to_email TEXT NOT NULL, instance_id TEXT NOT NULL, org_id TEXT NOT NULL,
        invite_id TEXT NOT NULL, token TEXT NOT NULL, sent_at INTEGER NOT NULL, role TEXT
      );`)
    db.prepare('ATTACH DATABASE ? AS seeded').run(from)
    db.exec(`INSERT INTO invites SELECT id, instance_id, org_id, email, role, invite_date, ttl, application_roles, dashboard_roles,
      disallow_transfer, token FROM seeded.invites ORDER BY rowid`)
    db.exec('DETACH DATABASE seeded')
    db.pragma('wal_checkpoint(TRUNCATE)')
  } finally {
    db.close()
  }
}

/**
 * An ablation variant (bench/variants.mjs): the app from tsc's output (the seam's options
 * reach it through buildApp, which the bundle's command line does not offer), under the
 * same V8 flags as the emulator unless the variant changes them.
 */
function variantServer (variant) {
  const script = join(ROOT, 'bench', 'variant-server.mjs')
  const off = ['--off', (variant.off ?? []).join(',')]
  if (args.source) return { command: [process.execPath, '--import', 'tsx', script, '--source', ...off], env: process.env }
  const flags = variant.flags ?? NODE_FLAGS.filter((flag) => !(variant.dropFlags ?? []).includes(flag))
  return { command: [process.execPath, ...flags, script, ...off], env: process.env }
}

// ---- processes --------------------------------------------------------------------

const children = new Set()
function killAll () {
  for (const child of children) child.kill('SIGKILL')
  children.clear()
}
process.on('exit', killAll)
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    killAll()
    process.exit(130)
  })
}

async function freePort () {
  return await new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/** Spawns a server and resolves once GET /_emulator/health answers 200: { child, port, ms }. */
async function startServer ({ command, env }, extra) {
  const port = await freePort()
  const started = performance.now()
  const child = spawn(command[0], [...command.slice(1), '--port', String(port), ...extra], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'ignore', 'pipe']
  })
  children.add(child)
  let stderr = ''
  child.stderr.on('data', (chunk) => { stderr += chunk })
  const deadline = started + 20_000
  while (true) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${stderr}`)
    if (performance.now() > deadline) {
      await stopServer({ child })
      throw new Error(`server did not answer within 20 s: ${stderr}`)
    }
    const answer = await send(port, 'GET', '/_emulator/health').catch(() => null)
    if (answer?.status === 200) return { child, port, ms: performance.now() - started }
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
}

/** Kills a server; `clean`: asks it to stop (SIGTERM), so that `--cpu-prof` writes its profile. */
async function stopServer ({ child }, clean = false) {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill(clean ? 'SIGTERM' : 'SIGKILL')
    const timer = clean ? setTimeout(() => child.kill('SIGKILL'), 10_000) : undefined
    await exited
    clearTimeout(timer)
  }
  children.delete(child)
}

/** Peak resident set of a process (Linux): VmHWM, in MiB. */
function peakRssMiB (child) {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8')
  const match = /^VmHWM:\s+(\d+) kB/m.exec(status)
  if (match === null) throw new Error('no VmHWM in /proc/<pid>/status')
  return Number(match[1]) / 1024
}

/**
 * CPU time a process has used so far, every thread, in µs (Linux: /proc/<pid>/task/<tid>/schedstat,
 * in nanoseconds). Per request, it is steadier than req/s on a shared machine: it counts
 * the server's own work, not the share of the cores it was given.
 */
function cpuMicros (child) {
  let ns = 0
  for (const task of readdirSync(`/proc/${child.pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${child.pid}/task/${task}/schedstat`, 'utf8').split(' ')[0])
    } catch {} // a thread that ended meanwhile
  }
  return ns / 1000
}

// ---- http -------------------------------------------------------------------------

const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 })

function send (port, method, path, headers = {}, body = undefined, agent = false) {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, method, path, headers, agent }, (response) => {
      const chunks = []
      response.on('data', (chunk) => chunks.push(chunk))
      response.on('end', () => resolve({ status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks).toString() }))
      response.on('error', reject)
    })
    request.setTimeout(60_000, () => request.destroy(new Error(`timeout: ${method} ${path}`)))
    request.on('error', reject)
    request.end(body)
  })
}

/**
 * autocannon for `duration` seconds; latencies from its own per-response timings (sub-ms);
 * `cpu`: the server's CPU time per request, in µs.
 */
async function load (server, requests) {
  server.requests ??= 0
  server.cpu ??= 0
  const latencies = []
  const cpuBefore = cpuMicros(server.child)
  const tracker = autocannon({
    url: `http://127.0.0.1:${server.port}`,
    connections: CONFIG.connections,
    duration: CONFIG.duration,
    requests
  })
  tracker.on('response', (_client, _status, _bytes, ms) => {
    if (latencies.length < 5_000_000) latencies.push(ms)
  })
  const result = await tracker
  server.requests += result.requests.total
  server.cpu += cpuMicros(server.child) - cpuBefore
  latencies.sort((x, y) => x - y)
  return {
    rps: result.requests.total / result.duration,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    cpu: (cpuMicros(server.child) - cpuBefore) / result.requests.total,
    bad: result.non2xx + result.errors + result.timeouts
  }
}

/**
 * Sequential keep-alive GETs for `probe` seconds (at most probeMaxCount): the median, in
 * ms, and the server's mean CPU time per GET, in µs. Each timed GET follows an untimed
 * write (a new org, through the control plane), so no answer comes from the emulator's
 * answer cache: this measures reading, filtering, sorting and serializing.
 */
async function probe (server, path, headers, status = 200) {
  const times = []
  let cpu = 0
  const stop = performance.now() + CONFIG.probe * 1000
  let bad = 0
  for (let i = 0; i < 3; i++) await send(server.port, 'GET', path, headers, undefined, keepAlive)
  while (times.length < CONFIG.probeMaxCount && (times.length < 3 || performance.now() < stop)) {
    const written = await send(server.port, 'POST', INVALIDATE_PATH, { 'content-type': 'application/json' }, '{}', keepAlive)
    if (written.status !== 201) bad++
    const cpuBefore = cpuMicros(server.child)
    const started = performance.now()
    const answer = await send(server.port, 'GET', path, headers, undefined, keepAlive)
    times.push(performance.now() - started)
    cpu += cpuMicros(server.child) - cpuBefore
    if (answer.status !== status) bad++
  }
  const count = times.length
  times.sort((x, y) => x - y)
  return { p50: percentile(times, 0.5), cpu: cpu / count, bad }
}

function percentile (sorted, q) {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
}

const median = (values) => {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((x, y) => x - y)
  if (sorted.length === 0) return NaN
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

// ---- data -------------------------------------------------------------------------

const INSTANCE = '5f0000000000000000000001'
const ORG50 = '5f00000000000000000000a1'
const ORG_BIG = '5f00000000000000000000a2'
const scalingOrg = (size) => `5f0000000000000000${size.toString(16).padStart(6, '0')}`
const DAY = 24 * 3600 * 1000
/** A write that changes nothing the benchmark reads: creates an org (ids generated). */
const INVALIDATE_PATH = `/_emulator/instances/${INSTANCE}/orgs`

/** Letters only: bulk emails never contain `42`, never start with `user`, never end with `@rare.example`. */
function letters (n) {
  let out = ''
  do {
    out = String.fromCharCode(97 + (n % 26)) + out
    n = Math.floor(n / 26)
  } while (n > 0)
  return out
}

/** A deterministic PRNG (mulberry32): the same data every run. */
function prng (seed) {
  return () => {
    seed = (seed + 0x6D2B79F5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const ORG50_EMAILS = Array.from({ length: 50 }, (_, i) => (i % 5 === 4 ? `user${i}@other.example` : `user${i}@example.com`))

/** The big org: short emails on a few domains, and some near the 1024-character maximum. */
function bigOrgEmails () {
  const random = prng(42)
  const emails = []
  for (let i = 0; i < CONFIG.bigOrg - CONFIG.longEmails; i++) {
    emails.push(i % 10 === 0 ? `person${i}@example.com` : `person${i}@corp${i % 9}.example`)
  }
  for (let i = 0; i < CONFIG.longEmails; i++) {
    const local = i % 2 === 0
      // runs of one letter: the worst input for backtracking and naive substring search
      ? 'a'.repeat(1000)
      : Array.from({ length: 1000 }, () => 'abcdefghijklmnopqrstuvwxyz'[Math.floor(random() * 26)]).join('')
    emails.push(`${local}${letters(i)}@long.example`.slice(-1024))
  }
  return emails
}

function seed (dbPath) {
  const store = new SqliteInviteStore(dbPath)
  try {
    const base = Date.now() - DAY
    let tick = 0
    const add = (orgId, email, role = 'view') => {
      const inviteDate = base + tick++
      store.upsertInvite(INSTANCE, orgId, { id: newObjectId(inviteDate), email, role, inviteDate, ttl: 7 * DAY, token: `t${tick}` })
    }
    // One transaction for the whole seed (111k invites in a full run).
    const bulk = typeof store.transaction === 'function' ? (fn) => store.transaction(fn) : (fn) => fn()
    bulk(() => {
      store.createInstance({ id: INSTANCE, name: 'Bench' })
      store.createOrg({ instanceId: INSTANCE, id: ORG50, name: '50 invites' })
      store.createOrg({ instanceId: INSTANCE, id: ORG_BIG, name: `${CONFIG.bigOrg} invites` })
      ORG50_EMAILS.forEach((email, i) => add(ORG50, email, ['view', 'edit', 'admin'][i % 3]))
      bigOrgEmails().forEach((email, i) => add(ORG_BIG, email, ['view', 'edit', 'admin', 'collaborate'][i % 4]))
      for (const size of CONFIG.scaling) {
        const orgId = scalingOrg(size)
        store.createOrg({ instanceId: INSTANCE, id: orgId, name: `${size} invites` })
        // 10 invites every scaling pattern finds; the rest match none of them.
        for (let k = 0; k < 10; k++) add(orgId, `user42.${letters(k)}@rare.example`)
        for (let i = 0; i < size - 10; i++) add(orgId, `m${letters(i)}@bulk.example`)
      }
    })
    const token = new TokenService(store.signingKey(), new Clock()).mint({ scope: ['all.Instance'] }).token
    return token
  } finally {
    store.close()
  }
}

// ---- scenarios --------------------------------------------------------------------

const invitesPath = (orgId, query = '') => `/instances/${INSTANCE}/orgs/${orgId}/invites${query}`
const enc = encodeURIComponent

/** Glob worst cases (issue item 3): each at most 256 characters, over the big org. */
function globCases () {
  const cases = [
    ['plain filter `*@example.com` (reference)', '*@example.com', 200, true],
    // The floor of any filter that returns the whole org: no glob work, a 414 KB answer.
    ['every invite `*` (no glob work, for comparison)', '*', 200, true],
    ['plain scan `*zz*` (no index)', '*zz*'],
    ['`*a*a*…*b` (127 stars)', `${'*a'.repeat(127)}*b`],
    ['`*?*?*…*?` (128 stars)', '*?'.repeat(128)],
    ['`*aaa…ab*` literal of 254', `*${'a'.repeat(253)}b*`],
    ['`*???…?b*` wildcard run of 254', `*${'?'.repeat(253)}b*`],
    ['`*[a-z]*[a-z]…` 42 classes', '*[a-z]'.repeat(42)],
    // Past the brace budget (32 alternatives of 234 positions): a 400, as docs/API.md says.
    ['`*{a,b}×5???…?z*` 32 alternatives (400)', `*${'{a,b}'.repeat(5)}${'?'.repeat(228)}z*`, 400],
    ['`{*a*a*,*b*b*,…}` 32 starry alternatives', `{${Array.from({ length: 32 }, (_, i) => `*${letters(i)}*${letters(i)}*`).join(',')}}`]
  ]
  for (const [, pattern] of cases) if (pattern.length > 256) throw new Error(`glob case longer than 256: ${pattern.length}`)
  return cases.map(([name, pattern, status = 200, reference = false]) => ({ name, pattern, status, reference, path: invitesPath(ORG_BIG, `?filterField=email&filter=${enc(pattern)}`) }))
}

function scalingCases () {
  const cases = []
  for (const [name, pattern] of [['prefix `user42*`', 'user42*'], ['suffix `*@rare.example`', '*@rare.example'], ['infix `*42*`', '*42*']]) {
    for (const size of CONFIG.scaling) {
      cases.push({ name, size, pattern, path: invitesPath(scalingOrg(size), `?filterField=email&filter=${enc(pattern)}`) })
    }
  }
  return cases
}

// ---- main -------------------------------------------------------------------------

async function main () {
  const dir = mkdtempSync(join(tmpdir(), 'losant-bench-'))
  const results = { config: CONFIG, node: process.version, rounds: [] }
  try {
    const dbPath = join(dir, 'bench.db')
    const seedStarted = performance.now()
    const token = seed(dbPath)
    log(`seeded ${dbPath} in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`)
    const auth = { authorization: `Bearer ${token}` }

    const allLoadScenarios = [
      { id: 'a', name: 'a GET 50, filter+sort', requests: [{ method: 'GET', path: invitesPath(ORG50, '?sortField=email&sortDirection=asc&filterField=email&filter=*@example.com'), headers: auth }] },
      { id: 'b', name: `b GET ${CONFIG.bigOrg}, default order`, requests: [{ method: 'GET', path: invitesPath(ORG_BIG), headers: auth }] },
      {
        id: 'c',
        name: 'c POST re-invite 50',
        requests: ORG50_EMAILS.map((email, i) => ({
          method: 'POST',
          path: invitesPath(ORG50),
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ email, role: ['view', 'edit', 'admin'][i % 3] })
        }))
      }
    ]
    const loadScenarios = allLoadScenarios.filter((scenario) => ONLY.has(scenario.id))
    const globs = ONLY.has('g') ? globCases() : []
    const scaling = ONLY.has('f') ? scalingCases() : []

    // Every server writes to its own copy of the seeded database.
    const copyDb = (name) => {
      const path = join(dir, `${name}.db`)
      copyFileSync(dbPath, path)
      return path
    }
    // The emulators: the one shipped (A), or with --ablation every variant, the first with
    // every mechanism on (the reference the others are compared with).
    const emulators = args.ablation
      ? VARIANTS.map((variant, i) => ({ id: variant.name, spec: variantServer(variant), extra: ['--db', copyDb(`variant${i}`)] }))
      : [{ id: 'A', spec: EMULATOR, extra: ['--db', copyDb('emulator'), '--log-level', 'silent'] }]
    const baselineDb = copyDb('baseline')
    const leanDb = join(dir, 'lean.db')
    makeLeanDb(dbPath, leanDb)
    for (const e of emulators) e.server = await startServer(e.spec, e.extra)
    const emulator = emulators[0].server

    // Capture the emulator's answers: the baseline serves exactly these bytes.
    const answers = {}
    const capture = async (method, path, headers, body, expected) => {
      const answer = await send(emulator.port, method, path, headers, body)
      if (answer.status !== expected) throw new Error(`${method} ${path}: ${answer.status} ${answer.body.slice(0, 200)}`)
      answers[`${method} ${path}`] = { status: answer.status, contentType: answer.headers['content-type'], body: answer.body }
      return answer
    }
    await capture('GET', '/_emulator/health', {}, undefined, 200)
    await capture('POST', INVALIDATE_PATH, { 'content-type': 'application/json' }, '{}', 201)
    for (const scenario of loadScenarios) {
      const r = scenario.requests[0]
      await capture(r.method, r.path, r.headers, r.body, r.method === 'POST' ? 201 : 200)
    }
    for (const c of [...globs, ...scaling]) {
      const answer = await capture('GET', c.path, auth, undefined, c.status ?? 200)
      c.count = c.status === 400 ? '400' : JSON.parse(answer.body).count
      if (c.size !== undefined && c.count > 10) throw new Error(`scaling case ${c.pattern} at ${c.size} returns ${c.count} > 10`)
    }
    const tooLong = await send(emulator.port, 'GET', invitesPath(ORG_BIG, `?filterField=email&filter=${'*a'.repeat(128)}b`), auth)
    results.tooLongFilter = `${tooLong.status} ${tooLong.body}`
    if (tooLong.status !== 400) throw new Error(`a 257-character filter answered ${tooLong.status}`)
    // Every variant answers every GET with the same bytes (none has written yet: a's GET
    // was captured before c's POST, and the other orgs are untouched by it).
    for (const e of emulators.slice(1)) {
      for (const [key, captured] of Object.entries(answers)) {
        const [method, path] = key.split(' ')
        if (method !== 'GET' || path.startsWith('/_emulator')) continue
        const answer = await send(e.server.port, method, path, auth)
        if (answer.body !== captured.body) throw new Error(`variant ${e.id} answers ${path} differently`)
      }
    }
    const answersPath = join(dir, 'answers.json')
    writeFileSync(answersPath, JSON.stringify(answers))
    const baselineArgs = ['--answers', answersPath, '--db', baselineDb]
    const baseline = await startServer(BASELINE, baselineArgs)
    const leanArgs = ['--answers', answersPath, '--db', leanDb]
    const lean = await startServer(LEAN_BASELINE, leanArgs)
    const servers = Object.fromEntries([...emulators.map((e) => [e.id, e.server]), ['B', baseline], ['L', lean]])
    const ids = Object.keys(servers)
    // f and g are GETs, which both baselines answer alike: the schema baseline answers them.
    const probeIds = ids.filter((id) => id !== 'L')

    // Warm-up, not recorded: JIT, caches, connections.
    for (const which of CONFIG.warmUp ? ids : []) {
      for (const scenario of loadScenarios) await load(servers[which], scenario.requests).catch(() => null)
    }

    for (let round = 1; round <= CONFIG.rounds; round++) {
      log(`round ${round}/${CONFIG.rounds}`)
      const r = { load: {}, scaling: {}, globs: {} }
      for (const scenario of loadScenarios) {
        r.load[scenario.id] = {}
        for (const which of ids) r.load[scenario.id][which] = await load(servers[which], scenario.requests)
      }
      for (const c of scaling) {
        const key = `${c.pattern}@${c.size}`
        r.scaling[key] = {}
        for (const which of probeIds) r.scaling[key][which] = await probe(servers[which], c.path, auth)
      }
      for (const c of globs) {
        r.globs[c.pattern] = {}
        for (const which of probeIds) r.globs[c.pattern][which] = await probe(servers[which], c.path, auth, c.status)
      }
      results.rounds.push(r)
    }
    results.rss = Object.fromEntries(ids.map((which) => [which, peakRssMiB(servers[which].child)]))
    for (const which of ids) await stopServer(servers[which], PROFILE_DIR !== undefined)
    if (PROFILE_DIR !== undefined) {
      // The CPU per request of every load run, the warm-up's too (the profile covers them all).
      const profiles = [['A (emulator)', 'emulator', servers.A], ['L (lean baseline)', 'lean-baseline', servers.L]]
      process.stdout.write(`${stageTable(profiles.map(([label, name, server]) => ({ label, file: join(PROFILE_DIR, `${name}.cpuprofile`), cpu: server.cpu / server.requests })))}\n\n`)
    }

    if (args.ablation) {
      reportAblation(results, loadScenarios, scaling, globs)
      if (args.json !== undefined) writeFileSync(args.json, JSON.stringify(results, null, 2))
      return
    }

    // Cold start: spawn to the first 200 on /_emulator/health, interleaved, each on a copy
    // of the database it ran on. (Smoke mode, or without d: the starts above, no more spawns.)
    const moreStarts = !SMOKE && ONLY.has('d')
    const cold = moreStarts ? { A: [], B: [], L: [] } : { A: [emulator.ms], B: [baseline.ms], L: [lean.ms] }
    for (let i = 0; i < (moreStarts ? CONFIG.coldStarts : 0); i++) {
      for (const [which, spec, extra] of [['A', EMULATOR, emulators[0].extra], ['B', BASELINE, baselineArgs], ['L', BASELINE, leanArgs]]) {
        const server = await startServer(spec, extra)
        cold[which].push(server.ms)
        await stopServer(server)
      }
    }
    results.cold = cold

    report(results, loadScenarios, scaling, globs)
    if (args.json !== undefined) writeFileSync(args.json, JSON.stringify(results, null, 2))
  } finally {
    killAll()
    rmSync(dir, { recursive: true, force: true })
  }
}

// ---- report -----------------------------------------------------------------------

function log (message) {
  process.stderr.write(`bench: ${message}\n`)
}

const fmt = (value, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a')
const row = (cells, widths) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`
function table (header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)))
  return [row(header, widths), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map((r) => row(r, widths))].join('\n')
}

/** The median over rounds of a figure, and the median of its per-round ratio (A/B, paired). */
function paired (rounds, pick) {
  return {
    A: median(rounds.map((r) => pick(r).A)),
    B: median(rounds.map((r) => pick(r).B)),
    ratio: median(rounds.map((r) => pick(r).A / pick(r).B))
  }
}

function report (results, loadScenarios, scaling, globs) {
  const { rounds } = results
  const targets = []
  const out = []
  out.push('# Benchmark: emulator (A) vs bare Fastify with precomputed bodies and durable POSTs, into the emulator\'s schema (B) or a lean one (L)')
  out.push(`node ${results.node}, ${CONFIG.rounds} interleaved round(s), ${CONFIG.duration} s per load run, ${CONFIG.connections} connections${SMOKE ? ', SMOKE MODE' : ''}`)
  out.push('')
  // Issue 28's targets, against the lean baseline (L); the schema baseline's ratio beside it.
  const loadTargets = { a: 0.7, b: 1.0, c: 0.55 }
  const loadRows = loadScenarios.map((s) => {
    const of = (field, baseline) => paired(rounds, (r) => ({ A: r.load[s.id].A[field], B: r.load[s.id][baseline][field] }))
    const rpsB = of('rps', 'B')
    const rpsL = of('rps', 'L')
    const p50 = of('p50', 'L')
    const p99 = of('p99', 'L')
    // A baseline's CPU per request over A's: the share of its req/s A would reach with the same cores.
    const cpuB = of('cpu', 'B')
    const cpuL = of('cpu', 'L')
    const cpuShareB = median(rounds.map((r) => r.load[s.id].B.cpu / r.load[s.id].A.cpu))
    const cpuShareL = median(rounds.map((r) => r.load[s.id].L.cpu / r.load[s.id].A.cpu))
    const bad = rounds.reduce((sum, r) => sum + r.load[s.id].A.bad + r.load[s.id].B.bad + r.load[s.id].L.bad, 0)
    const met = rpsL.ratio >= loadTargets[s.id]
    targets.push(`${s.id}: req/s ${fmt(rpsL.ratio)}x the lean baseline (by CPU per request ${fmt(cpuShareL)}x; the schema baseline: ${fmt(rpsB.ratio)}x, by CPU ${fmt(cpuShareB)}x), target >= ${loadTargets[s.id]}x: ${met ? 'met' : 'MISSED'}`)
    return [s.name, fmt(rpsB.A, 0), fmt(rpsB.B, 0), fmt(rpsL.B, 0), `${fmt(rpsB.ratio)}x`, `${fmt(rpsL.ratio)}x`,
      fmt(cpuB.A, 0), fmt(cpuB.B, 0), fmt(cpuL.B, 0), `${fmt(cpuShareB)}x`, `${fmt(cpuShareL)}x`,
      fmt(p50.A), fmt(p50.B), fmt(p99.A), fmt(p99.B), bad]
  })
  out.push(table(['scenario', 'A req/s', 'B req/s', 'L req/s', 'A/B', 'A/L', 'A CPU µs/req', 'B CPU µs/req', 'L CPU µs/req', 'B/A', 'L/A',
    'A p50 ms', 'L p50 ms', 'A p99 ms', 'L p99 ms', 'non-2xx/errors'], loadRows))
  out.push('')

  const cold = Object.fromEntries(['A', 'B', 'L'].map((id) => [id, median(results.cold[id])]))
  const coldRatio = cold.A / cold.L
  const rssRatio = results.rss.A / results.rss.L
  if (ONLY.has('d')) targets.push(`d: cold start ${fmt(coldRatio)}x the lean baseline (the schema baseline: ${fmt(cold.A / cold.B)}x), target <= 1.1x: ${coldRatio <= 1.1 ? 'met' : 'MISSED'}`)
  targets.push(`e: peak RSS ${fmt(rssRatio)}x the lean baseline (the schema baseline: ${fmt(results.rss.A / results.rss.B)}x), target <= 1.0x: ${rssRatio <= 1.0 ? 'met' : 'MISSED'}`)
  out.push(table(['scenario', 'A', 'B', 'L', 'A/B', 'A/L'], [
    [`d cold start, median of ${results.cold.A.length} (ms)`, fmt(cold.A, 1), fmt(cold.B, 1), fmt(cold.L, 1), `${fmt(cold.A / cold.B)}x`, `${fmt(coldRatio)}x`],
    ['e peak RSS after the load (MiB)', fmt(results.rss.A, 1), fmt(results.rss.B, 1), fmt(results.rss.L, 1), `${fmt(results.rss.A / results.rss.B)}x`, `${fmt(rssRatio)}x`]
  ]))
  out.push('')

  const scaleRows = []
  const small = CONFIG.scaling[0]
  const large = CONFIG.scaling[CONFIG.scaling.length - 1]
  for (const c of scaling) {
    const key = `${c.pattern}@${c.size}`
    const fig = paired(rounds, (r) => ({ A: r.scaling[key].A.p50, B: r.scaling[key].B.p50 }))
    const first = median(rounds.map((r) => r.scaling[`${c.pattern}@${small}`].A.p50))
    const bad = rounds.reduce((sum, r) => sum + r.scaling[key].A.bad + r.scaling[key].B.bad, 0)
    scaleRows.push([`f ${c.name}`, c.size, c.count, fmt(fig.A, 3), fmt(fig.B, 3), `${fmt(fig.ratio)}x`, `${fmt(fig.A / first)}x`, bad])
    if (c.size === large) {
      const growth = fig.A / first
      if (c.pattern === '*42*') {
        // Linear: the cost per added invite (the slope) stays the same from the middle
        // size to the largest as from the smallest to the middle (20% for noise); the fixed
        // cost of a request is in neither slope.
        const at = (size) => median(rounds.map((r) => r.scaling[`${c.pattern}@${size}`].A.p50))
        const mid = CONFIG.scaling[1]
        const slopeRatio = ((at(large) - at(mid)) / (large - mid)) / ((at(mid) - at(small)) / (mid - small))
        targets.push(`f infix: ${large} vs ${small} ${fmt(growth)}x for ${large / small}x the invites; cost per invite ${mid}->${large} is ${fmt(slopeRatio)}x that of ${small}->${mid}, target no worse than linear (<= 1.2x): ${slopeRatio <= 1.2 ? 'met' : 'MISSED'}`)
      } else {
        targets.push(`f ${c.name}: ${large} vs ${small} ${fmt(growth)}x, target <= 2x: ${growth <= 2 ? 'met' : 'MISSED'}`)
      }
    }
  }
  if (scaling.length > 0) {
    out.push(table(['f scaling (median of uncached GETs)', 'invites', 'returned', 'A ms', 'B ms', 'A/B', `A vs ${small}`, 'errors'], scaleRows))
    out.push('')
  }

  const plain = (r) => r.globs[globs[0].pattern].A.p50
  const globRows = globs.map((c) => {
    const fig = paired(rounds, (r) => ({ A: r.globs[c.pattern].A.p50, B: r.globs[c.pattern].B.p50 }))
    const vsPlain = median(rounds.map((r) => r.globs[c.pattern].A.p50 / plain(r)))
    if (!c.reference) {
      targets.push(`g ${c.name}: ${fmt(vsPlain)}x the plain filter, target <= 3x: ${vsPlain <= 3 ? 'met' : 'MISSED'}`)
    }
    const bad = rounds.reduce((sum, r) => sum + r.globs[c.pattern].A.bad + r.globs[c.pattern].B.bad, 0)
    return [`g ${c.name}`, c.pattern.length, c.count, fmt(fig.A, 3), fmt(fig.B, 3), `${fmt(fig.ratio)}x`, `${fmt(vsPlain)}x`, bad]
  })
  if (globs.length > 0) out.push(table([`g glob worst cases over the ${CONFIG.bigOrg}-invite org (uncached GETs)`, 'chars', 'returned', 'A ms', 'B ms', 'A/B', 'A vs plain', 'errors'], globRows))
  out.push(`a 257-character filter: ${results.tooLongFilter}`)
  out.push('')
  out.push('Targets (ratios within this run):')
  for (const line of targets) out.push(`- ${line}`)
  process.stdout.write(`${out.join('\n')}\n`)
}

/**
 * The ablation (--ablation): what each variant costs against the reference (every
 * mechanism on), per scenario, as the median over rounds of the ratio within a round.
 * A positive figure is what the mechanism the variant turns off buys: req/s the reference
 * serves more (a-c), memory it saves (e), latency it saves (f, g: the case where it saves
 * most, and the one where it costs most).
 */
function reportAblation (results, loadScenarios, scaling, globs) {
  const { rounds } = results
  const [reference, ...variants] = VARIANTS.map((variant) => variant.name)
  const pct = (ratio) => Number.isFinite(ratio) ? `${ratio >= 1 ? '+' : ''}${fmt((ratio - 1) * 100, 0)}%` : 'n/a'
  const cases = [
    ...scaling.map((c) => ({ scenario: 'f', label: `${c.pattern} @${c.size}`, pick: (r, id) => r.scaling[`${c.pattern}@${c.size}`][id] })),
    ...globs.map((c) => ({ scenario: 'g', label: c.pattern.length > 24 ? `${c.pattern.slice(0, 22)}…` : c.pattern, pick: (r, id) => r.globs[c.pattern][id] }))
  ]
  /** What turning it off costs, per round then the median: `worse(variant, reference)`, a ratio above 1 when worse. */
  const cost = (variant, pick, worse) => median(rounds.map((r) => worse(pick(r, variant), pick(r, reference))))
  const extremes = (variant, scenario, worse) => {
    const effects = cases.filter((c) => c.scenario === scenario)
      .map((c) => ({ label: c.label, ratio: cost(variant, c.pick, worse) }))
      .sort((x, y) => y.ratio - x.ratio)
    const most = effects[0]
    const least = effects[effects.length - 1]
    if (most === undefined) return 'n/a'
    return `${pct(most.ratio)} (${most.label}); ${pct(least.ratio)} (${least.label})`
  }
  const tableOf = (title, loadWorse, probeWorse) => table([title, ...loadScenarios.map((s) => s.id), 'e peak RSS', 'f: most; least', 'g: most; least'], variants.map((variant) => [
    variant,
    ...loadScenarios.map((s) => pct(cost(variant, (r, id) => r.load[s.id][id], loadWorse))),
    pct(results.rss[variant] / results.rss[reference]),
    extremes(variant, 'f', probeWorse),
    extremes(variant, 'g', probeWorse)
  ]))
  const out = []
  out.push(`# Ablation: each variant against "${reference}"`)
  out.push(`node ${results.node}, ${CONFIG.rounds} interleaved round(s), ${CONFIG.duration} s per load run, ${CONFIG.connections} connections${SMOKE ? ', SMOKE MODE' : ''}`)
  out.push('What turning each off costs (positive: what it buys), the median over rounds of the ratio within a round.')
  out.push('')
  out.push(tableOf('server CPU per request, turned off', (x, ref) => x.cpu / ref.cpu, (x, ref) => x.cpu / ref.cpu))
  out.push('')
  out.push(tableOf('req/s (a-c), latency (f, g), turned off', (x, ref) => ref.rps / x.rps, (x, ref) => x.p50 / ref.p50))
  out.push('')
  for (const baseline of ['B', 'L']) {
    const versus = [reference, ...variants].map((variant) => [
      variant,
      ...loadScenarios.map((s) => `${fmt(median(rounds.map((r) => r.load[s.id][variant].rps / r.load[s.id][baseline].rps)))}x / ${fmt(median(rounds.map((r) => r.load[s.id][baseline].cpu / r.load[s.id][variant].cpu)))}x`),
      `${fmt(results.rss[variant] / results.rss[baseline])}x`
    ])
    out.push(table([`against the ${baseline === 'B' ? 'schema' : 'lean'} baseline (${baseline}): req/s / CPU`, ...loadScenarios.map((s) => s.id), 'e peak RSS'], versus))
    out.push('')
  }
  process.stdout.write(`${out.join('\n')}\n`)
}

try {
  await main()
} catch (error) {
  killAll()
  process.stderr.write(`bench failed: ${error.stack ?? error}\n`)
  process.exit(1)
}
