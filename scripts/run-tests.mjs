#!/usr/bin/env node
// Runs every test/**/*.test.ts with Node's test runner through tsx. Node 20's --test
// takes no glob patterns, so the files are listed here. Extra arguments pass through.
//
// The browser tests (test/ui) need Chromium (CHROME_PATH, default Debian's
// /usr/bin/chromium-headless-shell). Without it they are left out, and the run says so
// first and last; with REQUIRE_BROWSER_TESTS=1 (CI sets it) a missing browser fails the run.
// The web UI is built first (scripts/build-ui.mjs), so the tests serve the current src/ui.
import { spawnSync } from 'node:child_process'
import { accessSync, constants, readdirSync } from 'node:fs'
import { join } from 'node:path'

function findTests (dir) {
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

let files = findTests('test')
if (files.length === 0) {
  console.error('no test files under test/')
  process.exit(1)
}

const chrome = process.env.CHROME_PATH ?? '/usr/bin/chromium-headless-shell'
let browserNotice
if (!executable(chrome)) {
  browserNotice = `The browser tests (test/ui) did NOT run: no Chromium at ${chrome}. ` +
    'To run them, install Debian\'s (apt-get install -y --no-install-recommends chromium-headless-shell) ' +
    'or point CHROME_PATH at a Chromium or Chrome binary.'
  if (process.env.REQUIRE_BROWSER_TESTS === '1') {
    console.error(`error: ${browserNotice} (REQUIRE_BROWSER_TESTS=1)`)
    process.exit(1)
  }
  files = files.filter((file) => !file.startsWith(join('test', 'ui') + '/'))
  console.warn(`note: ${browserNotice}\n`)
}

const ui = spawnSync(process.execPath, ['scripts/build-ui.mjs'], { stdio: 'inherit' })
if (ui.status !== 0) process.exit(ui.status ?? 1)

const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...process.argv.slice(2), ...files], { stdio: 'inherit' })
if (browserNotice !== undefined) console.warn(`\nnote: ${browserNotice}`)
process.exit(result.status ?? 1)
