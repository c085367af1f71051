import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { appendFileSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { after, test, type TestContext } from 'node:test'

/**
 * The build and the package it makes, as a user meets them, in one copy of the project in
 * a temporary folder (its own dist/, node_modules linked), so the builds here race no
 * other test's: `npm start` builds only when the sources changed since the last build
 * (scripts/build.mjs); `npm pack` of that build installs into an empty project and runs
 * there.
 */
/** The project's folder: the tests run from it (they may run from a compiled copy of test/). */
const ROOT = process.cwd()

let copy: string | undefined
after(() => { if (copy !== undefined) rmSync(copy, { recursive: true, force: true }) })

/** The project's copy, made once for this file's tests (the tarball packs its build). */
function projectCopy (): string {
  if (copy !== undefined) return copy
  const dir = mkdtempSync(join(tmpdir(), 'emulator-build-'))
  for (const path of ['src', 'scripts', 'bin', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'README.md', 'LICENSE']) {
    cpSync(join(ROOT, path), join(dir, path), { recursive: true })
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'))
  return (copy = dir)
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

test('npm start builds when there is no build, and not again while the sources are the same', async (t) => {
  const dir = projectCopy()
  const first = await npmStart(t, dir)
  assert.match(first.stderr, /^building…/)
  const built = outputs(dir)

  const second = await npmStart(t, dir)
  assert.equal(second.stderr, '', 'nothing built, nothing said')
  assert.deepEqual(outputs(dir), built)
  t.diagnostic(`first start (building) answered health after ${first.msToHealth} ms, the second after ${second.msToHealth} ms`)
})

/**
 * What a consumer gets from the README's "Installing it in another project": the tarball
 * `npm pack` makes from the current sources, installed into an empty project on this Node.
 *
 * Proves: the install prints no warning (no EBADENGINE: every package it resolves, at the
 * newest versions the ranges allow, declares this Node); the only install script in the
 * tree is better-sqlite3's (the one npm's allowScripts notice names, README); the package's
 * command starts and answers, and the README's test-suite example (`startEmulator`,
 * imported by the package's name) passes, from the installed files.
 * Does not prove: that better-sqlite3's install script builds its addon there (it compiles
 * from source, minutes, where no prebuilt binary can be downloaded): the install runs with
 * --ignore-scripts and the addon this project already built is copied in.
 */
const NODE_MAJOR = Number(process.versions.node.split('.')[0])

/** npm as a user runs it: none of the variables `npm test` sets for its own run. */
function npmEnv (): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')))
}

function npm (t: TestContext, args: string[], cwd: string): { stdout: string, stderr: string } {
  const run = spawnSync('npm', args, { cwd, encoding: 'utf8', timeout: 300_000, env: npmEnv() })
  assert.equal(run.status, 0, `npm ${args.join(' ')}: ${run.stdout}\n${run.stderr}`)
  t.diagnostic(`npm ${args[0]}: ${run.stderr.split('\n').filter((line) => line.startsWith('npm warn')).length} warning line(s)`)
  return { stdout: run.stdout, stderr: run.stderr }
}

function tempDir (t: TestContext, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/**
 * `npm pack` of the copy's build (made now unless the test above made it from the same
 * sources: `prepare` is that build); the tarball's path.
 */
function pack (t: TestContext): string {
  const dir = projectCopy()
  const build = spawnSync(process.execPath, ['scripts/build.mjs', '--if-changed'], { cwd: dir, encoding: 'utf8', timeout: 300_000 })
  assert.equal(build.status, 0, `${build.error?.message ?? ''} ${build.stderr}`)
  const out = tempDir(t, 'emulator-tarball-')
  const { stdout } = npm(t, ['pack', '--ignore-scripts', '--pack-destination', out, '--silent'], dir)
  const name = stdout.trim().split('\n').pop()!
  assert.match(name, /^losant-invites-emulator-\d+\.\d+\.\d+\.tgz$/)
  return join(out, name)
}

interface Installed { path: string, json: { name: string, version: string, engines?: { node?: string }, scripts?: Record<string, string> } }

/** Every package under a node_modules folder, scoped and nested ones too. */
function installed (modules: string): Installed[] {
  if (!existsSync(modules)) return []
  return readdirSync(modules).flatMap((name) => {
    if (name.startsWith('.')) return []
    if (name.startsWith('@')) return readdirSync(join(modules, name)).flatMap((scoped) => packageAt(join(modules, name, scoped)))
    return packageAt(join(modules, name))
  })
}

function packageAt (path: string): Installed[] {
  if (!existsSync(join(path, 'package.json'))) return []
  return [{ path, json: JSON.parse(readFileSync(join(path, 'package.json'), 'utf8')) }, ...installed(join(path, 'node_modules'))]
}

test('the packed tarball installs into an empty project without a warning, and runs there', async (t) => {
  const tarball = pack(t)
  const consumer = tempDir(t, 'emulator-consumer-')
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }))
  const { stderr } = npm(t, ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', tarball], consumer)
  assert.doesNotMatch(stderr, /EBADENGINE/, stderr)
  assert.deepEqual(stderr.split('\n').filter((line) => line.startsWith('npm warn')), [], stderr)

  const packages = installed(join(consumer, 'node_modules'))
  assert.ok(packages.some(({ json }) => json.name === 'fastify'), 'its dependencies are installed')
  // Whatever this Node is: no package asks for a later major (the lowest major its range names).
  for (const { json } of packages) {
    const majors = [...(json.engines?.node ?? '').matchAll(/(\d+)(?:\.\d+)*/g)].map((m) => Number(m[1]))
    if (majors.length > 0) assert.ok(Math.min(...majors) <= Math.min(NODE_MAJOR, 20), `${json.name}@${json.version} wants node ${json.engines!.node}`)
  }
  // The install scripts npm would run (an explicit one, or node-gyp's default for a binding.gyp).
  const withScripts = packages.filter(({ path, json }) => ['preinstall', 'install', 'postinstall'].some((s) => json.scripts?.[s] !== undefined) || existsSync(join(path, 'binding.gyp')))
  assert.deepEqual(withScripts.map(({ json }) => json.name), ['better-sqlite3'])

  // The addon this project built, in place of the build its install script would make.
  const release = join(consumer, 'node_modules', 'better-sqlite3', 'build', 'Release')
  mkdirSync(release, { recursive: true })
  copyFileSync(join(ROOT, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'), join(release, 'better_sqlite3.node'))

  // The package's command, as `npx losant-invites-emulator` runs it.
  const child = spawn(join(consumer, 'node_modules', '.bin', 'losant-invites-emulator'), ['--port', '0', '--db', ':memory:'], { cwd: consumer, stdio: ['ignore', 'pipe', 'pipe'] })
  t.after(() => child.kill('SIGKILL'))
  let childErr = ''
  child.stderr.on('data', (chunk: Buffer) => { childErr += chunk.toString() })
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start line in 60 s: ${childErr}`)), 60_000)
    createInterface({ input: child.stdout }).on('line', (line) => {
      const entry = JSON.parse(line) as { url?: string }
      if (entry.url !== undefined) {
        clearTimeout(timer)
        resolve(entry.url)
      }
    })
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${childErr}`)))
  })
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/)
  assert.equal((await fetch(`${url}/_emulator/health`)).status, 200)
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  assert.equal(await exited, 0)

  // The README's test-suite example, as written: it imports the package by its name.
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  const marker = readme.indexOf('<!-- readme-test:')
  assert.ok(marker >= 0, 'the marker before the example')
  const block = /```js\n([\s\S]*?)```/.exec(readme.slice(marker))?.[1]
  assert.ok(block !== undefined, 'a js block follows the marker')
  writeFileSync(join(consumer, 'emulator.test.mjs'), block)
  // Without the parent runner's context variable, the child reports on its own stdout.
  const { NODE_TEST_CONTEXT: _context, ...env } = process.env
  const run = spawnSync(process.execPath, ['--test', '--test-reporter=tap', 'emulator.test.mjs'], { cwd: consumer, encoding: 'utf8', timeout: 60_000, env })
  assert.equal(run.status, 0, run.stdout + run.stderr)
  assert.match(run.stdout, /# pass 1\n/)
  assert.match(run.stdout, /# fail 0\n/)
})

/**
 * Last, as it spoils the copy's build: after a change under src/, the check npm start runs
 * (scripts/build.mjs --if-changed) says it is building, and is stopped there (the first
 * test saw a whole build; a second would add some 15 s of CPU and prove nothing more).
 */
test('a change under src/: the next start builds again', async (t) => {
  const dir = projectCopy()
  appendFileSync(join(dir, 'src', 'version.ts'), '\n// changed\n')
  const check = spawn(process.execPath, ['scripts/build.mjs', '--if-changed'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], detached: true })
  const exited = new Promise((resolve) => check.once('exit', resolve))
  t.after(async () => {
    try {
      process.kill(-check.pid!, 'SIGKILL')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
    }
    await exited
  })
  const said = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('nothing said in 60 s')), 60_000)
    createInterface({ input: check.stderr! }).once('line', (line) => {
      clearTimeout(timer)
      resolve(line)
    })
    check.once('exit', (code) => reject(new Error(`exited with ${code} without a word`)))
  })
  assert.match(said, /^building…/)
})
