// Probes of the request journal's cost, loopback only, every run bounded in time:
//
//   node --import tsx scripts/bench-journal.ts [rounds=3] [seconds=3]
//     Scenario a of the benchmark (GET a 50-invite org, sorted and filtered) against two
//     emulators, journal on and journal off, in interleaved rounds (on, off, on, off, ...).
//
//   node --import tsx scripts/bench-journal.ts streams [rounds=3] [seconds=5] [clients=200] [stalled=50]
//     The live journal (GET /_emulator/requests/stream): the same load against one emulator
//     as it ships (the bundle of the current src/, under the flags `npm start` uses) with no
//     stream client, then with `clients` of them open (`stalled` of which stop reading after
//     their first bytes), in interleaved rounds; the emulator's RSS before, during, and once
//     every client is gone. The stream clients run in a process of their own.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { startEmulator } from '../src/index.js'
// @ts-expect-error: a plain .mjs module of the build scripts, without types
import { NODE_FLAGS as FLAGS } from './node-flags.mjs'

interface AutocannonResult { requests: { average: number, total: number }, latency: { p50: number }, non2xx: number, errors: number }
// Loaded untyped: the benchmark proper (npm run bench) may bring its own declarations.
const autocannon = createRequire(import.meta.url)('autocannon') as (options: object) => Promise<AutocannonResult>

const NODE_FLAGS = FLAGS as string[]
const I = '575ec8687ae143cd83dc4a97'
const O = '575ec8687ae143cd83dc4a98'
const PATH = `/instances/${I}/orgs/${O}/invites?sortField=email&sortDirection=asc&filterField=email&filter=*@example.com`

interface Server { child: ChildProcess, url: string, token: string }
interface Run { rps: number, cpuUs: number, p50: number }

if (process.argv[2] === '--serve') {
  const invites = Array.from({ length: 50 }, (_, i) => ({ email: `user${i}@example.com`, role: 'view' as const }))
  const emulator = await startEmulator({ journal: process.argv[3] === 'on', seed: { instances: [{ id: I, orgs: [{ id: O, invites }] }] } })
  const { token } = await emulator.mintToken({ scope: ['all.Instance'] })
  process.stdout.write(JSON.stringify({ url: emulator.url, token }) + '\n')
} else if (process.argv[2] === '--stream-clients') {
  await streamClients(process.argv[3]!, Number(process.argv[4]), Number(process.argv[5]))
} else if (process.argv[2] === 'streams') {
  await streamsProbe(Number(process.argv[3] ?? 3), Number(process.argv[4] ?? 5), Number(process.argv[5] ?? 200), Number(process.argv[6] ?? 50))
} else {
  await journalProbe(Number(process.argv[2] ?? 3), Number(process.argv[3] ?? 3))
}

async function journalProbe (rounds: number, seconds: number): Promise<void> {
  const servers: Record<'on' | 'off', Server> = { on: await serve('on'), off: await serve('off') }
  try {
    const results: Record<'on' | 'off', Run[]> = { on: [], off: [] }
    for (const mode of ['on', 'off'] as const) await run(servers[mode], 1) // warm-up
    for (let round = 0; round < rounds; round++) {
      for (const mode of round % 2 === 0 ? ['on', 'off'] as const : ['off', 'on'] as const) {
        const result = await run(servers[mode], seconds)
        results[mode].push(result)
        console.log(`round ${round + 1} journal ${mode}: ${result.rps.toFixed(0)} req/s, ${result.cpuUs.toFixed(1)} µs server CPU per request`)
      }
    }
    console.log(`req/s: ${compare(results.on, results.off, 'rps', 'on', 'off')}`)
    // Server CPU per request is the figure a busy machine disturbs least: req/s at saturation is its inverse.
    console.log(`server CPU µs per request: ${compare(results.on, results.off, 'cpuUs', 'on', 'off')}`)
  } finally {
    for (const { child } of Object.values(servers)) child.kill('SIGTERM')
  }
}

async function streamsProbe (rounds: number, seconds: number, clients: number, stalled: number): Promise<void> {
  const { server, cleanUp } = await serveBundle()
  try {
    await run(server, 2) // warm-up
    // RSS just before each round's clients came, at most while they were there, and 3 s after they went.
    const rss: Array<{ before: number, during: number, after: number }> = []
    const results: Record<'none' | 'streams', Run[]> = { none: [], streams: [] }
    for (let round = 0; round < rounds; round++) {
      for (const mode of round % 2 === 0 ? ['none', 'streams'] as const : ['streams', 'none'] as const) {
        let viewers: ChildProcess | undefined
        const before = rssMiB(server.child.pid!)
        if (mode === 'streams') viewers = await openStreams(server, clients, stalled)
        const result = await run(server, seconds)
        if (viewers !== undefined) {
          const during = rssMiB(server.child.pid!)
          viewers.kill('SIGKILL')
          await once(viewers, 'exit')
          // Gone: the server has closed their connections; give its heap and allocator a moment.
          await new Promise((resolve) => setTimeout(resolve, 3000))
          rss.push({ before, during, after: rssMiB(server.child.pid!) })
        }
        results[mode].push(result)
        console.log(`round ${round + 1} ${mode === 'none' ? 'no stream client' : `${clients} stream clients (${stalled} not reading)`}: ` +
          `${result.rps.toFixed(0)} req/s, ${result.cpuUs.toFixed(1)} µs server CPU per request, p50 ${result.p50} ms`)
      }
    }
    console.log(`req/s: ${compare(results.none, results.streams, 'rps', 'none', `${clients} streams`)}`)
    console.log(`server CPU µs per request: ${compare(results.none, results.streams, 'cpuUs', 'none', `${clients} streams`)}`)
    for (const [n, { before, during, after }] of rss.entries()) {
      console.log(`RSS MiB, streams round ${n + 1}: before the clients ${before.toFixed(1)}, with them ${during.toFixed(1)}, 3 s after they went ${after.toFixed(1)} (${((after / before - 1) * 100).toFixed(1)}% from before)`)
    }
  } finally {
    server.child.kill('SIGTERM')
    cleanUp()
  }
}

/** The server as `npm start` runs it, bundled from the current src/ into a temporary entry point beside dist/ (as test/bundle.ts does). */
async function serveBundle (): Promise<{ server: Server, cleanUp: () => void }> {
  const entry = fileURLToPath(new URL(`../dist/server.probe-${process.pid}.mjs`, import.meta.url))
  const dir = mkdtempSync(join(tmpdir(), 'bench-journal-'))
  const cleanUp = (): void => {
    for (const suffix of ['.mjs', '.cjs', '.cjs.map', '.cjs.cache']) rmSync(entry.replace(/\.mjs$/, suffix), { force: true })
    rmSync(dir, { recursive: true, force: true })
  }
  const bundled = spawn(process.execPath, [fileURLToPath(new URL('./bundle.mjs', import.meta.url)), '--outfile', entry], { stdio: 'inherit' })
  const [code] = await once(bundled, 'exit') as [number | null]
  if (code !== 0) throw new Error(`scripts/bundle.mjs failed (${code})`)
  const token = 'bench-journal-token'
  const seed = join(dir, 'seed.json')
  const invites = Array.from({ length: 50 }, (_, i) => ({ email: `user${i}@example.com`, role: 'view' }))
  writeFileSync(seed, JSON.stringify({ instances: [{ id: I, orgs: [{ id: O, invites }] }], tokens: [{ token, scope: ['all.Instance'] }] }))
  const child = spawn(process.execPath, [...NODE_FLAGS, entry, '--port', '0', '--db', ':memory:', '--seed', seed, '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'inherit'] })
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const { url } = JSON.parse(line) as { url?: string }
      if (url !== undefined) resolve(url)
    })
    child.once('exit', (exitCode) => reject(new Error(`the server exited (${exitCode}) before listening`)))
  })
  return { server: { child, url, token }, cleanUp }
}

/** Starts the stream clients in a process of their own; resolves once every one has its first bytes. */
async function openStreams (server: Server, clients: number, stalled: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--stream-clients', server.url, String(clients), String(stalled)], { stdio: ['ignore', 'pipe', 'inherit'] })
  await once(child.stdout!, 'data')
  return child
}

/** `clients` raw connections to the journal stream; the first `stalled` never read. Says "open" once all have their first bytes. */
async function streamClients (url: string, clients: number, stalled: number): Promise<void> {
  const { port } = new URL(url)
  const sockets: Socket[] = []
  await Promise.all(Array.from({ length: clients }, async (_, n) => {
    const socket = connect({ host: '127.0.0.1', port: Number(port) })
    sockets.push(socket)
    socket.on('error', () => {})
    socket.write('GET /_emulator/requests/stream HTTP/1.1\r\nhost: 127.0.0.1\r\naccept: text/event-stream\r\n\r\n')
    await once(socket, 'data')
    // A client that reads throws the bytes away; a stalled one stops reading after the first.
    if (n < stalled) socket.pause()
    else socket.on('data', () => {})
  }))
  process.stdout.write('open\n')
  setInterval(() => {}, 60_000)
}

async function serve (mode: 'on' | 'off'): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--serve', mode], { stdio: ['ignore', 'pipe', 'inherit'] })
  const [line] = await once(child.stdout!, 'data') as [Buffer]
  return { child, ...JSON.parse(line.toString()) }
}

async function run (server: Server, seconds: number): Promise<Run> {
  const before = cpuTicks(server.child.pid!)
  const result = await autocannon({ url: server.url + PATH, connections: 10, duration: seconds, headers: { authorization: `Bearer ${server.token}` } })
  const ticks = cpuTicks(server.child.pid!) - before
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${result.non2xx} non-2xx, ${result.errors} errors`)
  // Linux clock ticks are 1/100 s.
  return { rps: result.requests.average, cpuUs: ticks * 10_000 / result.requests.total, p50: result.latency.p50 }
}

/** Medians of both, their ratio, and the median of the per-round ratios (on a shared machine the load drifts between rounds). */
function compare (a: Run[], b: Run[], key: 'rps' | 'cpuUs', aName: string, bName: string): string {
  const digits = key === 'rps' ? 0 : 1
  const ma = median(a.map((r) => r[key]))
  const mb = median(b.map((r) => r[key]))
  const paired = median(a.map((r, i) => r[key] / b[i]![key]))
  return `${aName} ${ma.toFixed(digits)}, ${bName} ${mb.toFixed(digits)}, ${aName}/${bName} ${(ma / mb).toFixed(3)} (median of per-round ratios ${paired.toFixed(3)})`
}

/** User plus system CPU time of a process, in clock ticks (Linux /proc). */
function cpuTicks (pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return Number(fields[11]) + Number(fields[12])
}

/** Resident memory of a process now, in MiB (Linux /proc). */
function rssMiB (pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
  return Number(kb) / 1024
}

function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}
