// The baselines of the benchmark: a bare Fastify server answering every request with a
// precomputed body (the emulator's own answer to the same request, captured first). It
// measures the ceiling of Fastify on this machine: routing, parsing and writing the same
// bytes, no validation, no auth. A POST also stores what a durable POST must at least:
// per request, one upsert into the invites table and one outbox row, in one transaction,
// in WAL mode with synchronous=NORMAL (a committed POST survives a SIGKILL), in its own
// copy of the benchmark's invites. Which tables is the database's choice (bench/run.mjs
// makes both): the schema baseline writes into the emulator's schema, indexes and data;
// the lean one into an invites table with only its primary key and the unique email
// index, and an outbox with only its primary key (the same invites).
//
//   node bench/baseline-server.mjs --port <port> --answers <file.json> --db <file.db>
//
// answers file: { "<METHOD> <url>": { "status": 200, "contentType": "...", "body": "..." } }
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import Database from 'better-sqlite3'
import Fastify from 'fastify'

const { values } = parseArgs({ options: { port: { type: 'string' }, answers: { type: 'string' }, db: { type: 'string' } } })
const answers = new Map()
for (const [key, answer] of Object.entries(JSON.parse(readFileSync(values.answers, 'utf8')))) {
  answers.set(key, { status: answer.status, contentType: answer.contentType, body: Buffer.from(answer.body) })
}

const db = new Database(values.db)
db.pragma('journal_mode = WAL')
db.pragma('synchronous = NORMAL')
// The emulator's schema keeps a reversed copy of each email (for its suffix index); the lean one does not.
const reversed = db.prepare("SELECT 1 FROM pragma_table_info('invites') WHERE name = 'email_reversed'").get() !== undefined
const upsert = db.prepare(`
  INSERT INTO invites (id, instance_id, org_id, email, ${reversed ? 'email_reversed, ' : ''}role, invite_date, ttl, token)
  VALUES (?, ?, ?, ?, ${reversed ? '?, ' : ''}?, ?, ?, ?)
  ON CONFLICT (instance_id, org_id, email) DO UPDATE SET
    role = excluded.role, invite_date = excluded.invite_date, ttl = excluded.ttl, token = excluded.token
  RETURNING id`).pluck(true)
const outbox = db.prepare('INSERT INTO outbox (id, to_email, instance_id, org_id, invite_id, token, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
const store = db.transaction((instanceId, orgId, email, role) => {
  const now = Date.now()
  const token = randomBytes(24).toString('base64url')
  const inviteId = reversed
    ? upsert.get(nextId(), instanceId, orgId, email, [...email].reverse().join(''), role, now, 604_800_000, token)
    : upsert.get(nextId(), instanceId, orgId, email, role, now, 604_800_000, token)
  outbox.run(nextId(), email, instanceId, orgId, inviteId, token, now)
})
let counter = 0
const nextId = () => `ba${(++counter).toString(16).padStart(22, '0')}`

const app = Fastify({ logger: false })
const paths = new Set([...answers.keys()].map((key) => key.split(' ')[1].split('?')[0]))
for (const path of paths) {
  app.route({
    method: ['GET', 'POST'],
    url: path,
    handler: (request, reply) => {
      // POSTs answer the same captured collection whatever email they re-invite.
      const answer = answers.get(`${request.method} ${request.url}`) ?? answers.get(`${request.method} ${path}`)
      if (answer === undefined) return reply.code(404).send({ type: 'NotFound', message: 'no captured answer' })
      if (request.method === 'POST' && path.endsWith('/invites')) {
        const [, , instanceId, , orgId] = path.split('/')
        store(instanceId, orgId, request.body.email.toLowerCase(), request.body.role)
      }
      return reply.code(answer.status).header('content-type', answer.contentType).send(answer.body)
    }
  })
}
await app.listen({ port: Number(values.port), host: '127.0.0.1' })
// A clean stop on SIGTERM, so that `node --cpu-prof` writes its profile.
process.once('SIGTERM', () => { app.close().then(() => process.exit(0), () => process.exit(1)) })
