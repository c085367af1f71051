#!/usr/bin/env node
// `npm test`: runs test/**/*.test.ts with Node's test runner through tsx, the files in
// parallel (each in its own process, as always), then says how long the run took.
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
// reads it), test/bundle.ts writes dist/server.test-<pid>.*, and build.test.ts builds in
// a copy of the project. What they share is the CPU: TEST_CONCURRENCY files at a time
// (default 3: two cores kept busy while a file waits on a child process or a timer), the
// longest-running ones (SLOW, below) first, so no long file starts last and runs alone at
// the end.
//
// The browser tests (test/ui) need Chromium (CHROME_PATH, default Debian's
// /usr/bin/chromium-headless-shell). The run says first and last whether they run; without
// Chromium they are left out, and with REQUIRE_BROWSER_TESTS=1 (CI sets it) a missing
// browser fails the run. The web UI is built first (scripts/build-ui.mjs), so the tests
// serve the current src/ui.
import { spawnSync } from 'node:child_process'
import { accessSync, constants, readdirSync, statSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join, normalize, relative, sep } from 'node:path'

/**
 * The files that take longest (10 to 50 s of CPU each: builds, npm, child servers,
 * crashes, browsers), started first. Measured as each file's CPU time (`/usr/bin/time`
 * around `node --test <file>`); a file missing here only starts later.
 */
const SLOW = [
  'test/build.test.ts',
  'test/reliability/fuzz.test.ts',
  'test/reliability/crash.test.ts',
  'test/server.test.ts',
  'test/shutdown.test.ts',
  'test/store/open.test.ts',
  'test/bench.test.ts',
  'test/ui/screens/invites.test.ts',
  'test/ui/screens/requests.test.ts',
  'test/openapi.test.ts',
  'test/reliability/concurrency.test.ts'
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
const rank = (file) => SLOW.includes(file) ? SLOW.indexOf(file) : SLOW.length
files.sort((a, b) => rank(a) - rank(b))

const began = performance.now()
const ui = spawnSync(process.execPath, ['scripts/build-ui.mjs'], { stdio: 'inherit' })
if (ui.status !== 0) process.exit(ui.status ?? 1)
const result = spawnSync(process.execPath, [
  '--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...passThrough, ...files
], { stdio: 'inherit' })
const seconds = Math.round((performance.now() - began) / 1000)
console.log(`\nnote: ${browserNotice}`)
console.log(`note: ${files.length} test files, ${concurrency} at a time, in ${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s (npm test's own time)`)
process.exit(result.status ?? 1)
