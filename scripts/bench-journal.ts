// The request journal's cost: scenario a of the benchmark (GET a 50-invite org, sorted and
// filtered) against two emulators, journal on and journal off, in interleaved rounds
// (on, off, on, off, ...), loopback only, every run bounded in time.
//   node --import tsx scripts/bench-journal.ts [rounds=3] [seconds=3]
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { startEmulator } from '../src/index.js'

interface AutocannonResult { requests: { average: number, total: number }, non2xx: number, errors: number }
// Loaded untyped: the benchmark proper (npm run bench) may bring its own declarations.
const autocannon = createRequire(import.meta.url)('autocannon') as (options: object) => Promise<AutocannonResult>

const I = '575ec8687ae143cd83dc4a97'
const O = '575ec8687ae143cd83dc4a98'
const PATH = `/instances/${I}/orgs/${O}/invites?sortField=email&sortDirection=asc&filterField=email&filter=*@example.com`

if (process.argv[2] === '--serve') {
  const invites = Array.from({ length: 50 }, (_, i) => ({ email: `user${i}@example.com`, role: 'view' as const }))
  const emulator = await startEmulator({ journal: process.argv[3] === 'on', seed: { instances: [{ id: I, orgs: [{ id: O, invites }] }] } })
  const { token } = await emulator.mintToken({ scope: ['all.Instance'] })
  process.stdout.write(JSON.stringify({ url: emulator.url, token }) + '\n')
} else {
  const rounds = Number(process.argv[2] ?? 3)
  const seconds = Number(process.argv[3] ?? 3)
  const servers: Record<'on' | 'off', { child: ChildProcess, url: string, token: string }> = {
    on: await serve('on'),
    off: await serve('off')
  }
  try {
    const results: Record<'on' | 'off', Array<{ rps: number, cpuUs: number }>> = { on: [], off: [] }
    for (const mode of ['on', 'off'] as const) await run(servers[mode], 1) // warm-up
    for (let round = 0; round < rounds; round++) {
      for (const mode of round % 2 === 0 ? ['on', 'off'] as const : ['off', 'on'] as const) {
        const result = await run(servers[mode], seconds)
        results[mode].push(result)
        console.log(`round ${round + 1} journal ${mode}: ${result.rps.toFixed(0)} req/s, ${result.cpuUs.toFixed(1)} µs server CPU per request`)
      }
    }
    const report = (key: 'rps' | 'cpuUs') => {
      const on = median(results.on.map((r) => r[key]))
      const off = median(results.off.map((r) => r[key]))
      // Each round's own ratio too: on a shared machine the load drifts between rounds.
      const paired = median(results.on.map((r, i) => r[key] / results.off[i]![key]))
      return `on ${on.toFixed(key === 'rps' ? 0 : 1)}, off ${off.toFixed(key === 'rps' ? 0 : 1)}, on/off ${(on / off).toFixed(3)} (median of per-round ratios ${paired.toFixed(3)})`
    }
    console.log(`req/s: ${report('rps')}`)
    // Server CPU per request is the figure a busy machine disturbs least: req/s at saturation is its inverse.
    console.log(`server CPU µs per request: ${report('cpuUs')}`)
  } finally {
    for (const { child } of Object.values(servers)) child.kill('SIGTERM')
  }
}

async function serve (mode: 'on' | 'off'): Promise<{ child: ChildProcess, url: string, token: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--serve', mode], { stdio: ['ignore', 'pipe', 'inherit'] })
  const [line] = await once(child.stdout!, 'data') as [Buffer]
  return { child, ...JSON.parse(line.toString()) }
}

async function run (server: { child: ChildProcess, url: string, token: string }, seconds: number): Promise<{ rps: number, cpuUs: number }> {
  const before = cpuTicks(server.child.pid!)
  const result = await autocannon({ url: server.url + PATH, connections: 10, duration: seconds, headers: { authorization: `Bearer ${server.token}` } })
  const ticks = cpuTicks(server.child.pid!) - before
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${result.non2xx} non-2xx, ${result.errors} errors`)
  // Linux clock ticks are 1/100 s.
  return { rps: result.requests.average, cpuUs: ticks * 10_000 / result.requests.total }
}

/** User plus system CPU time of a process, in clock ticks (Linux /proc). */
function cpuTicks (pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return Number(fields[11]) + Number(fields[12])
}

function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}
