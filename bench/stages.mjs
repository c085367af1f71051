// Where a server's CPU goes, by stage of a request (docs/PERFORMANCE.md, "POST"): reads
// V8 CPU profiles (`node --cpu-prof`, written by `node bench/run.mjs --cpu-prof DIR`) and
// gives each sample to a stage by its stack, from the leaf up: the first frame that belongs
// to a stage decides (Node's own frames for the socket, the HTTP parser and streams are
// looked through to their caller, except the parser's and the send's own). Frames of the
// bundle are placed by its source map (dist/server.cjs.map), so a stage is a set of source
// files, not of function names. Each stage's share of the main thread's busy samples is
// scaled to the CPU per request measured meanwhile (stagesOf): the profiler's overhead is
// in them, and GC threads' work shows only as the main thread's GC.
//
//   node bench/stages.mjs <file.cpuprofile>:<CPU µs per request> ...
import { existsSync, readFileSync } from 'node:fs'
import { SourceMap } from 'node:module'
import { fileURLToPath } from 'node:url'

/** The stages, in the order of a request; each row of the table. */
export const STAGES = [
  'HTTP parsing (Node)',
  'body: read, JSON.parse',
  'Fastify: routing, hooks, reply',
  'origin guard, CORS',
  'validation, query parsing',
  'auth: token check',
  'faults, journal',
  'the route itself',
  'SQLite: the upsert (the row, its indexes)',
  'SQLite: the outbox row',
  'SQLite: the upsert and outbox row (one call)',
  'SQLite: BEGIN, COMMIT (the WAL write)',
  'store: file check, data version, announce',
  'building the answer (listings)',
  'sending (writeHead, writev)',
  'GC',
  'other: event loop, timers, program'
]

/**
 * Which stage a frame is, by its source file (from the bundle's source map, or a script's
 * own URL) and, in src/http/pipeline.ts, which holds steps of several stages, by its
 * function's name or the source line it starts on.
 */
function stageOfSource (source, functionName, line) {
  const file = source.replace(/\\/g, '/')
  const has = (part) => file.includes(part)
  if (has('src/http/pipeline')) {
    if (functionName === 'authorizeToken' || functionName === 'authorizeAdmin' || functionName === 'checkAdmin') return 'auth: token check'
    if (/cors/i.test(line)) return 'origin guard, CORS'
    if (functionName === 'validate' || functionName === 'check') return 'validation, query parsing'
    return 'Fastify: routing, hooks, reply'
  }
  if (has('node_modules/@fastify/cors/') || has('src/security/origins')) return 'origin guard, CORS'
  if (has('src/security/redact') || has('src/harness/')) return 'faults, journal'
  if (has('src/auth/') || has('node_modules/fast-jwt/')) return 'auth: token check'
  if (has('src/validation') || has('src/querystring') || has('node_modules/is-my-json-valid/') ||
    has('node_modules/fast-querystring/') || has('node_modules/qs/') || has('node_modules/ajv/')) return 'validation, query parsing'
  if (has('src/http/body-parser') || has('node_modules/fastify/lib/content-type-parser') || has('node_modules/secure-json-parse/')) return 'body: read, JSON.parse'
  if (has('src/http/') || has('src/app.ts') || has('node_modules/fastify/') || has('node_modules/find-my-way/') || has('node_modules/light-my-request/') ||
    has('node_modules/avvio/') || has('node_modules/fastify-plugin/') || has('node_modules/toad-cache/') ||
    has('node_modules/@fastify/') || has('node_modules/abstract-logging/') || has('node_modules/pino')) return 'Fastify: routing, hooks, reply'
  if (has('src/store/file-check')) return 'store: file check, data version, announce'
  if (has('src/store/')) return storeStage(functionName)
  if (has('src/listings/') || has('src/domain/present') || has('src/domain/expiry')) return 'building the answer (listings)'
  if (has('src/')) return 'the route itself'
  if (has('better-sqlite3/lib/methods/transaction')) return 'SQLite: BEGIN, COMMIT (the WAL write)'
  if (has('bench/baseline-server')) return functionName === '' ? 'SQLite: the upsert and outbox row (one call)' : 'the route itself'
  if (has('node:_http_server') || has('node:_http_common') || has('node:_http_incoming')) return 'HTTP parsing (Node)'
  if (has('node:_http_outgoing') || has('node:net') || has('stream_base_commons')) return 'sending (writeHead, writev)'
  return undefined
}

/**
 * A store frame: the statements' native time shows in the JavaScript that called them.
 * Named by the store method the frame is, or (an arrow inside one) is inside: undefined
 * until a named one is met further up.
 */
function storeStage (functionName) {
  if (functionName === 'upsertInvite') return 'SQLite: the upsert (the row, its indexes)'
  if (functionName === 'addOutboxMessage') return 'SQLite: the outbox row'
  if (functionName === '#commitOnce' || functionName === 'transaction') return 'SQLite: BEGIN, COMMIT (the WAL write)'
  if (functionName === '' || functionName === '#write') return 'pending'
  return 'store: file check, data version, announce'
}

const maps = new Map()
function sourceMapOf (url) {
  if (!maps.has(url)) {
    let map
    try {
      const path = url.startsWith('file:') ? fileURLToPath(url) : url
      if (path.startsWith('/') && existsSync(`${path}.map`)) map = new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8')))
    } catch {}
    maps.set(url, map)
  }
  return maps.get(url)
}

/** A frame's source: the original file and the line its function starts on for the bundle's frames, else its URL. */
function sourceOf (callFrame) {
  const map = callFrame.url === '' ? undefined : sourceMapOf(callFrame.url)
  if (map === undefined) return { source: callFrame.url, line: '' }
  const entry = map.findEntry(callFrame.lineNumber, callFrame.columnNumber)
  if (entry?.originalSource === undefined) return { source: callFrame.url, line: '' }
  const index = map.payload.sources.indexOf(entry.originalSource)
  const text = map.payload.sourcesContent?.[index]?.split('\n')[entry.originalLine] ?? ''
  return { source: entry.originalSource, line: text }
}

/**
 * CPU µs per request by stage for one profile: each stage's share of the profile's busy
 * samples times `cpuPerRequest`, the CPU per request measured meanwhile (all threads, from
 * the kernel). The profile's samples are taken on the wall clock, so on a shared machine
 * they also count time the thread waited for a core: only their shares are used.
 */
export function stagesOf (file, cpuPerRequest) {
  const profile = JSON.parse(readFileSync(file, 'utf8'))
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
  const parents = new Map()
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id)
  const stageOfNode = new Map()
  const classify = (id) => {
    if (stageOfNode.has(id)) return stageOfNode.get(id)
    let stage
    let pendingStore = false
    for (let at = id; at !== undefined; at = parents.get(at)) {
      const { functionName } = nodes.get(at).callFrame
      if (functionName === '(garbage collector)') { stage = 'GC'; break }
      if (functionName === '(idle)') { stage = 'idle'; break }
      const { source, line } = sourceOf(nodes.get(at).callFrame)
      const found = stageOfSource(source, functionName, line)
      if (found === 'pending') { pendingStore = true; continue }
      if (pendingStore && found !== undefined && !found.startsWith('SQLite') && !found.startsWith('store')) {
        stage = 'store: file check, data version, announce'
        break
      }
      if (found !== undefined) { stage = found; break }
    }
    stage ??= pendingStore ? 'store: file check, data version, announce' : 'other: event loop, timers, program'
    stageOfNode.set(id, stage)
    return stage
  }
  const micros = new Map()
  for (let i = 0; i < profile.samples.length; i++) {
    const stage = classify(profile.samples[i])
    micros.set(stage, (micros.get(stage) ?? 0) + (profile.timeDeltas[i + 1] ?? 0))
  }
  micros.delete('idle')
  const busy = [...micros.values()].reduce((x, y) => x + y, 0)
  const perRequest = new Map()
  for (const stage of STAGES) perRequest.set(stage, ((micros.get(stage) ?? 0) / busy) * cpuPerRequest)
  return perRequest
}

/** The table: one column per profile ({ label, file, cpu: CPU µs per request }), µs per request, and the total. */
export function stageTable (profiles) {
  const columns = profiles.map((p) => stagesOf(p.file, p.cpu))
  const rows = STAGES.filter((stage) => columns.some((column) => column.get(stage) >= 0.5))
  const header = `| CPU µs per request, by stage (--cpu-prof) | ${profiles.map((p) => p.label).join(' | ')} |`
  const lines = [header, `| --- | ${profiles.map(() => '---').join(' | ')} |`]
  for (const stage of rows) lines.push(`| ${stage} | ${columns.map((column) => column.get(stage).toFixed(0)).join(' | ')} |`)
  lines.push(`| total | ${columns.map((column) => [...column.values()].reduce((x, y) => x + y, 0).toFixed(0)).join(' | ')} |`)
  return lines.join('\n')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const profiles = process.argv.slice(2).map((arg) => {
    const at = arg.lastIndexOf(':')
    return { label: arg.slice(0, at).split('/').pop(), file: arg.slice(0, at), cpu: Number(arg.slice(at + 1)) }
  })
  if (profiles.length === 0 || profiles.some((p) => !(p.cpu > 0))) {
    process.stderr.write('usage: node bench/stages.mjs <file.cpuprofile>:<CPU µs per request> ...\n')
    process.exit(2)
  }
  process.stdout.write(`${stageTable(profiles)}\n`)
}
