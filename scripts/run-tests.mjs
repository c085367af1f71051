#!/usr/bin/env node
// `npm test`: runs test/**/*.test.ts with Node's test runner, the files in parallel (each
// in its own process, as always), then says how long the run took.
//
//   npm test                               every file
//   npm test -- test/contract              the files under a folder (any number of folders or files)
//   npm test -- test/validation.test.ts    one file
//   npm test -- --test-name-pattern=re     other arguments pass through to node --test
//
// Parallel: the files are independent. Each builds its own app or server (port 0, a
// database in memory or in its own temporary folder); those that start processes, mount
// a tmpfs or launch Chromium do it in folders of their own. What they write into the
// project's dist/ is their own: server.test.ts rebuilds dist/server.* (no other file
// reads it), this runner bundles the server once into dist/server.test-<pid>.* for the
// files that start it (test/bundle.ts), and build.test.ts builds in a copy of the project.
// What they share is the CPU: TEST_CONCURRENCY files at a time (default 3: two cores kept
// busy while a file waits on a child process or a timer), the longest-running ones (SLOW,
// below) and the browser tests first, so no long file starts last and runs alone at the end.
//
// Compiled first: src/ and test/ are transpiled by esbuild (types stripped, no type check:
// that is `npm run typecheck`) into .test-build/<pid>/, the same tree, which the files run
// from with source maps, so a failure names the .ts line. A test process loading TypeScript
// through tsx's loader spends about 1.3 s more CPU than one loading JavaScript, and there
// are some 70 files. The tests read the project's files relative to the working folder (the
// project's), and test/fixtures and scripts/ are linked into the tree; src/version.ts
// finds the package from there as from src/ (two folders up).
//
// The browser tests (test/ui) need Chromium (CHROME_PATH, default Debian's
// /usr/bin/chromium-headless-shell). The run says first and last whether they run; without
// Chromium they are left out, and with REQUIRE_BROWSER_TESTS=1 (CI sets it) a missing
// browser fails the run. The web UI is built first (scripts/build-ui.mjs), so the tests
// serve the current src/ui.
import { spawn, spawnSync } from 'node:child_process'
import { accessSync, constants, mkdirSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join, normalize, relative, resolve, sep } from 'node:path'
import { build } from 'esbuild'

/**
 * The files that take longest (13 to 35 s each: builds, npm, child servers, crashes,
 * browsers), started first. Measured as each file's time (`/usr/bin/time` around
 * `node --test <compiled file>`, two at a time); a file missing here only starts later.
 */
const SLOW = [
  'test/build.test.ts',
  'test/shutdown.test.ts',
  'test/server.test.ts',
  'test/reliability/fuzz.test.ts',
  'test/reliability/crash.test.ts',
  'test/bench.test.ts',
  'test/ui/screens/requests.test.ts',
  'test/ui/screens/invites.test.ts',
  'test/store/open.test.ts',
  'test/ui/app.test.ts',
  'test/ui/api.test.ts'
].map(normalize)

function findTests (dir) {
  if (statSync(dir).isFile()) return dir.endsWith('.test.ts') ? [dir] : []
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === 'fixtures' ? [] : findTests(path)
    return entry.name.endsWith('.test.ts') ? [path] : []
  }).sort()
}

function executable (path) {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

const args = process.argv.slice(2)
const selected = args.filter((arg) => !arg.startsWith('-'))
const passThrough = args.filter((arg) => arg.startsWith('-'))
for (const path of selected) {
  try {
    statSync(path)
  } catch {
    console.error(`no such test file or folder: ${path}`)
    process.exit(2)
  }
}
let files = [...new Set((selected.length === 0 ? ['test'] : selected).flatMap((path) => findTests(normalize(path))))]
if (files.length === 0) {
  console.error(`no test files (*.test.ts) under ${selected.join(', ') || 'test/'}`)
  process.exit(1)
}

const isBrowserTest = (file) => relative('test', file).split(sep)[0] === 'ui'
const chrome = process.env.CHROME_PATH ?? '/usr/bin/chromium-headless-shell'
const browserFiles = files.filter(isBrowserTest).length
let browserNotice
if (browserFiles === 0) {
  browserNotice = 'The browser tests (test/ui) are not among the files asked for.'
} else if (executable(chrome)) {
  browserNotice = `The browser tests (test/ui, ${browserFiles} files) run, with Chromium at ${chrome}.`
} else {
  browserNotice = `The browser tests (test/ui) did NOT run: no Chromium at ${chrome}. ` +
    'To run them, install Debian\'s (apt-get install -y --no-install-recommends chromium-headless-shell) ' +
    'or point CHROME_PATH at a Chromium or Chrome binary.'
  if (process.env.REQUIRE_BROWSER_TESTS === '1') {
    console.error(`error: ${browserNotice} (REQUIRE_BROWSER_TESTS=1)`)
    process.exit(1)
  }
  files = files.filter((file) => !isBrowserTest(file))
}
console.log(`note: ${browserNotice}\n`)

const concurrency = Number(process.env.TEST_CONCURRENCY ?? Math.max(3, availableParallelism()))
if (!Number.isInteger(concurrency) || concurrency < 1) {
  console.error(`TEST_CONCURRENCY must be a whole number of files at a time, 1 or more: ${process.env.TEST_CONCURRENCY}`)
  process.exit(2)
}
// Then the other browser files (7 to 13 s each, much of it waiting on the page), then the
// rest (most under 5 s): short files last fill the cores while the long ones end.
const rank = (file) => SLOW.includes(file) ? SLOW.indexOf(file) : SLOW.length + (isBrowserTest(file) ? 0 : 1)
files.sort((a, b) => rank(a) - rank(b))

const BUILDS = '.test-build'

/** Whether the run that made .test-build/<pid> is still going (a killed run leaves its tree). */
function running (pid) {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return error.code === 'EPERM'
  }
}

function typeScriptUnder (dir, except) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts'))
    .map((entry) => relative('.', join(entry.parentPath, entry.name)))
    .filter((file) => !file.startsWith(except))
}

/** src/ (but the browser's src/ui) and test/ as JavaScript in .test-build/<pid>/; returns that folder. */
async function compile () {
  for (const name of readdirSync(BUILDS).filter((name) => /^\d+$/.test(name))) {
    if (!running(Number(name))) rmSync(join(BUILDS, name), { recursive: true, force: true })
  }
  const out = join(BUILDS, String(process.pid))
  rmSync(out, { recursive: true, force: true })
  process.once('exit', () => rmSync(out, { recursive: true, force: true }))
  await build({
    entryPoints: [...typeScriptUnder('src', join('src', 'ui') + sep), ...typeScriptUnder('test', join('test', 'fixtures') + sep)],
    outdir: out,
    outbase: '.',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'inline',
    logLevel: 'warning'
  }).catch(() => process.exit(1)) // esbuild has said what it could not compile
  symlinkSync(resolve('test', 'fixtures'), join(out, 'test', 'fixtures'))
  symlinkSync(resolve('scripts'), join(out, 'scripts'))
  return out
}

/**
 * The server bundle the tests of the real process start (test/bundle.ts), made once for the
 * run (about 2 s of CPU, which each of some ten files spent on its own), while the tests
 * compile; removed at the end.
 */
async function bundleServer () {
  const entry = resolve('dist', `server.test-${process.pid}.mjs`)
  process.once('exit', () => {
    for (const suffix of ['.mjs', '.cjs', '.cjs.map', '.cjs.cache']) rmSync(entry.replace(/\.mjs$/, suffix), { force: true })
  })
  const child = spawn(process.execPath, ['scripts/bundle.mjs', '--outfile', entry], { stdio: 'inherit' })
  const code = await new Promise((resolve) => child.once('exit', resolve))
  if (code !== 0) {
    console.error(`scripts/bundle.mjs failed (${code})`)
    process.exit(1)
  }
  return entry
}

const began = performance.now()
const ui = spawnSync(process.execPath, ['scripts/build-ui.mjs'], { stdio: 'inherit' })
if (ui.status !== 0) process.exit(ui.status ?? 1)
mkdirSync(BUILDS, { recursive: true })
const [out, bundle] = await Promise.all([compile(), bundleServer()])
const compiled = files.map((file) => join(out, file.replace(/\.ts$/, '.js')))
const result = spawnSync(process.execPath, [
  '--enable-source-maps', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...passThrough, ...compiled
], { stdio: 'inherit', env: { ...process.env, TEST_SERVER_BUNDLE: bundle } })
const seconds = Math.round((performance.now() - began) / 1000)
console.log(`\nnote: ${browserNotice}`)
console.log(`note: ${files.length} test files, ${concurrency} at a time, in ${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s (npm test's own time)`)
process.exit(result.status ?? 1)
