import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { appendFileSync, cpSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { test, type TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'

/**
 * `npm start` builds only when the sources changed since the last build (scripts/build.mjs),
 * as a user runs it: in a copy of the project in a temporary folder (its own dist/,
 * node_modules linked), so the builds here race no other test's.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url))

function projectCopy (t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'emulator-build-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  for (const path of ['src', 'scripts', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json']) {
    cpSync(join(ROOT, path), join(dir, path), { recursive: true })
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'))
  return dir
}

interface Started { stderr: string, msToHealth: number }

/** `npm start` on a free port; resolves once /_emulator/health answers 200, then stops it. */
async function npmStart (t: TestContext, dir: string): Promise<Started> {
  const began = performance.now()
  const child = spawn('npm', ['start', '--silent', '--', '--port', '0', '--db', ':memory:'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  // Its process group may be gone already (npm killed by the SIGTERM below has no exitCode).
  t.after(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
    }
  })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start line in 120 s: ${stderr}`)), 120_000)
    createInterface({ input: child.stdout }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string, url?: string }
      if (entry.msg?.includes('listening') === true && entry.url !== undefined) {
        clearTimeout(timer)
        resolve(entry.url)
      }
    })
    child.once('exit', (code) => reject(new Error(`npm start exited with ${code}: ${stderr}`)))
  })
  assert.equal((await fetch(`${url}/_emulator/health`)).status, 200)
  const msToHealth = Math.round(performance.now() - began)
  const exited = new Promise((resolve) => child.once('exit', resolve))
  process.kill(-child.pid!, 'SIGTERM')
  await exited
  return { stderr, msToHealth }
}

const outputs = (dir: string): number[] => ['dist/src/index.js', 'dist/server.cjs', 'dist/server.cjs.cache'].map((file) => statSync(join(dir, file)).mtimeMs)

test('npm start builds when there is no build or the sources changed, and only then', async (t) => {
  const dir = projectCopy(t)
  const first = await npmStart(t, dir)
  assert.match(first.stderr, /^building…/)
  const built = outputs(dir)

  const second = await npmStart(t, dir)
  assert.equal(second.stderr, '', 'nothing built, nothing said')
  assert.deepEqual(outputs(dir), built)
  t.diagnostic(`first start (building) answered health after ${first.msToHealth} ms, the second after ${second.msToHealth} ms`)

  // A change under src/: the next start builds again.
  appendFileSync(join(dir, 'src', 'version.ts'), '\n// changed\n')
  const check = spawnSync(process.execPath, ['scripts/build.mjs', '--if-changed'], { cwd: dir, encoding: 'utf8', timeout: 120_000 })
  assert.equal(check.status, 0, check.stderr)
  assert.match(check.stderr, /^building…/)
  assert.notDeepEqual(outputs(dir), built)
})
