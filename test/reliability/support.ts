import { spawn, type ChildProcess } from 'node:child_process'
import { request as httpRequest } from 'node:http'
import { createInterface } from 'node:readline'
import type { FastifyInstance } from 'fastify'
import { bundledServer } from '../bundle.js'

/**
 * Shared by the reliability tests: how many cases to run (CI mode, or a longer local run
 * through environment variables), the seed, the routes the app registered, and a real
 * server process on 127.0.0.1 with a tiny HTTP client.
 */

/** Cases per fuzz property in CI mode; docs/RELIABILITY.md quotes these (a test checks it). */
export const CI_PLAN = {
  surface: 4000,
  inviteBodies: 3000,
  listQueries: 2000,
  controlBodies: 1000,
  rawBodies: 1000,
  crashRepetitions: 20
} as const

export const CI_FUZZ_TOTAL = CI_PLAN.surface + CI_PLAN.inviteBodies + CI_PLAN.listQueries + CI_PLAN.controlBodies + CI_PLAN.rawBodies

function positiveInteger (name: string): number | undefined {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return undefined
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new Error(`${name} must be a positive whole number, not "${raw}"`)
  return Number(raw)
}

/**
 * RELIABILITY_RUNS: fuzz cases in all (default the CI total), shared among the properties
 * in the CI proportions. RELIABILITY_CRASHES: crash repetitions. RELIABILITY_SEED: replay.
 */
const totalRuns = positiveInteger('RELIABILITY_RUNS') ?? CI_FUZZ_TOTAL
export function runsFor (property: keyof typeof CI_PLAN): number {
  if (property === 'crashRepetitions') return positiveInteger('RELIABILITY_CRASHES') ?? CI_PLAN.crashRepetitions
  return Math.max(1, Math.round(CI_PLAN[property] * totalRuns / CI_FUZZ_TOTAL))
}

export const SEED = positiveInteger('RELIABILITY_SEED') ?? (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) >>> 1

/** A small seeded generator (mulberry32) for the process tests, which fast-check does not drive. */
export function seededRandom (seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface RegisteredRoute {
  /** As registered: `/instances/:instanceId/orgs/:orgId/invites`. */
  url: string
  methods: string[]
}

/**
 * Every route the app registered, read from Fastify's own route tree (`printRoutes`), so
 * a route added later is fuzzed without touching these tests.
 */
export function registeredRoutes (app: FastifyInstance): RegisteredRoute[] {
  const routes = new Map<string, Set<string>>()
  const stack: string[] = []
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│ ]*)(?:├── |└── )(\S+) \(([A-Z, -]+)\)$/.exec(line)
    if (match === null) continue
    const depth = match[1]!.length / 4
    const url = (stack[depth - 1] ?? '') + match[2]!
    stack[depth] = url
    stack.length = depth + 1
    const methods = match[3]!.split(',').map((m) => m.trim()).filter((m) => /^[A-Z]+$/.test(m))
    if (methods.length === 0) continue
    const set = routes.get(url.replace(/\/$/, '')) ?? new Set()
    for (const m of methods) set.add(m)
    routes.set(url.replace(/\/$/, ''), set)
  }
  return [...routes].map(([url, methods]) => ({ url, methods: [...methods].sort() })).sort((a, b) => a.url.localeCompare(b.url))
}

export interface HttpAnswer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

export interface HttpCall {
  method: string
  path: string
  headers?: Record<string, string>
  body?: string | Buffer
}

/** One request over real HTTP (no keep-alive: every call its own connection). */
export function http (base: string, call: HttpCall): Promise<HttpAnswer> {
  const url = new URL(base)
  return new Promise((resolve, reject) => {
    const body = call.body === undefined ? undefined : Buffer.isBuffer(call.body) ? call.body : Buffer.from(call.body)
    const headers: Record<string, string | number> = { ...call.headers }
    if (body !== undefined) {
      headers['content-length'] = body.length
      headers['content-type'] ??= 'application/json'
    }
    const req = httpRequest({ host: '127.0.0.1', port: url.port, method: call.method, path: call.path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

export async function httpJson (base: string, call: Omit<HttpCall, 'body'> & { json?: unknown }): Promise<{ status: number, body: any }> {
  const answer = await http(base, { ...call, ...(call.json === undefined ? {} : { body: JSON.stringify(call.json) }) })
  return { status: answer.status, body: answer.body === '' ? undefined : JSON.parse(answer.body) }
}

export interface ServerProcess {
  url: string
  child: ChildProcess
  /** SIGKILL, then wait for the exit. */
  kill: () => Promise<void>
}

/** A test (`t`) or a suite (`{ after }` from node:test): whatever runs clean-up at its end. */
export interface Cleanup { after: (fn: () => Promise<void>) => unknown }

/**
 * The real CLI, as a user starts it, on port 0: the URL comes from its JSON log line.
 * Killed when the test (or suite) ends if it has not been killed before.
 */
export async function startServer (t: Cleanup, db: string, extraArgs: string[] = []): Promise<ServerProcess> {
  const child = spawn(process.execPath, [bundledServer(), '--port', '0', '--host', '127.0.0.1', '--db', db, '--log-level', 'info', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve()
    else child.once('exit', () => resolve())
  })
  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  }
  t.after(kill)
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! })
    lines.on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { url?: unknown }
        if (typeof entry.url === 'string') resolve(entry.url)
      } catch {}
    })
    child.once('exit', (code, signal) => reject(new Error(`server exited (${code ?? signal}) before listening: ${stderr}`)))
  })
  // Keep draining stdout so the server never blocks on a full pipe.
  child.stdout!.resume()
  return { url, child, kill }
}

export interface RemoteWorld {
  instanceId: string
  orgId: string
  token: string
  invitesPath: string
  auth: { authorization: string }
}

/** An instance, an org and an `all.Instance` token, made through the control plane. */
export async function setUpRemoteWorld (base: string, adminHeaders: Record<string, string> = {}): Promise<RemoteWorld> {
  const instance = await httpJson(base, { method: 'POST', path: '/_emulator/instances', headers: adminHeaders, json: {} })
  if (instance.status !== 201) throw new Error(`instance: ${instance.status}`)
  const org = await httpJson(base, { method: 'POST', path: `/_emulator/instances/${instance.body.id}/orgs`, headers: adminHeaders, json: {} })
  if (org.status !== 201) throw new Error(`org: ${org.status}`)
  const token = await httpJson(base, { method: 'POST', path: '/_emulator/tokens', headers: adminHeaders, json: { scope: ['all.Instance'] } })
  if (token.status !== 201) throw new Error(`token: ${token.status}`)
  return {
    instanceId: instance.body.id,
    orgId: org.body.id,
    token: token.body.token,
    invitesPath: `/instances/${instance.body.id}/orgs/${org.body.id}/invites`,
    auth: { authorization: `Bearer ${token.body.token}` }
  }
}

/** Exactly Losant's error shape: two string fields, nothing else. */
export function isErrorBody (value: unknown): value is { type: string, message: string } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false
  const keys = Object.keys(value).sort()
  return keys.length === 2 && keys[0] === 'message' && keys[1] === 'type' &&
    typeof (value as { type: unknown }).type === 'string' && typeof (value as { message: unknown }).message === 'string'
}

/** Own properties of the built-in prototypes, to compare before and after: pollution shows up here. */
export function prototypeSnapshot (): string {
  return [Object.prototype, Array.prototype, Function.prototype, String.prototype]
    .map((proto) => Object.getOwnPropertyNames(proto).sort().join(',')).join('|')
}

/** Sort check for an invite listing: by field, then id, both in the direction asked. */
export function isSortedAsAsked (items: Array<{ id: string, email: string, role: string, inviteDate: string }>, field: 'email' | 'role' | 'inviteDate', direction: 'asc' | 'desc'): boolean {
  const key = (item: { id: string, email: string, role: string, inviteDate: string }): [string | number, string] =>
    [field === 'inviteDate' ? Date.parse(item.inviteDate) : Buffer.from(item[field]).toString('hex'), item.id]
  for (let i = 1; i < items.length; i++) {
    const [a, aId] = key(items[i - 1]!)
    const [b, bId] = key(items[i]!)
    const order = a < b ? -1 : a > b ? 1 : aId < bId ? -1 : aId > bId ? 1 : 0
    if (direction === 'asc' ? order > 0 : order < 0) return false
  }
  return true
}
