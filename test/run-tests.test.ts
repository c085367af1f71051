import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { test } from 'node:test'

/**
 * `npm test` (scripts/run-tests.mjs) as the README's Development table says it: a folder
 * or a file selects what runs; the run says first and last whether the browser tests ran,
 * and how long it took.
 */
async function runTests (args: string[], env: Record<string, string>): Promise<{ status: number | null, stdout: string, stderr: string }> {
  // Without the parent runner's context variable, the child runner reports on its own stdout.
  const { NODE_TEST_CONTEXT: _context, REQUIRE_BROWSER_TESTS: _required, ...inherited } = process.env
  return await new Promise((resolve) => {
    execFile(process.execPath, ['scripts/run-tests.mjs', ...args], { encoding: 'utf8', timeout: 180_000, env: { ...inherited, ...env } }, (error, stdout, stderr) =>
      resolve({ status: error === null ? 0 : (error.code as number | null), stdout, stderr }))
  })
}

const NO_CHROME = { CHROME_PATH: '/nonexistent/chromium' }

/** What the runs compiled (.test-build/<pid>) and bundled (dist/server.test-<pid>.*) for their files. */
const leftovers = (): string[] => [
  ...(existsSync('.test-build') ? readdirSync('.test-build').map((name) => `.test-build/${name}`) : []),
  ...readdirSync('dist').filter((name) => name.startsWith('server.test-')).map((name) => `dist/${name}`)
]

test('a folder and a file: only those run; without Chromium the browser file is left out, said first and last', async () => {
  const before = leftovers()
  // The name pattern passes through to node --test: the files load, one suite runs (a short run).
  const run = await runTests(['test/harness', 'test/ui/app.test.ts', '--test-name-pattern=^FaultList'], NO_CHROME)
  assert.equal(run.status, 0, run.stdout + run.stderr)
  // It removed what it compiled and bundled (others' runs may have ended meanwhile).
  const added = leftovers().filter((path) => !before.includes(path))
  assert.deepEqual(added, [])
  const lines = run.stdout.split('\n').filter((line) => line !== '')
  const notice = /^note: The browser tests \(test\/ui\) did NOT run: no Chromium at \/nonexistent\/chromium\. /
  assert.match(lines[0]!, notice)
  assert.match(lines.at(-2)!, notice)
  // Every file of the folder, and not the browser file.
  const harnessFiles = readdirSync('test/harness').filter((name) => name.endsWith('.test.ts')).length
  assert.match(lines.at(-1)!, new RegExp(`^note: ${harnessFiles} test files, \\d+ at a time, in \\d+m\\d\\ds \\(npm test's own time\\)$`))
  // The suite asked for ran (test/harness/faults.test.ts), and nothing of the UI's.
  assert.match(run.stdout, /^✔ FaultList \(/m)
  assert.doesNotMatch(run.stdout, /UI: /)
  assert.match(run.stdout, /^ℹ fail 0$/m)
})

test('with REQUIRE_BROWSER_TESTS=1 a missing Chromium fails the run before any test', async () => {
  const run = await runTests(['test/ids.test.ts', 'test/ui/app.test.ts'], { ...NO_CHROME, REQUIRE_BROWSER_TESTS: '1' })
  assert.equal(run.status, 1)
  assert.match(run.stderr, /^error: The browser tests \(test\/ui\) did NOT run: no Chromium at \/nonexistent\/chromium\. .*\(REQUIRE_BROWSER_TESTS=1\)$/m)
  assert.doesNotMatch(run.stdout, /ℹ tests/)
})

test('a path that does not exist is refused, naming it', async () => {
  const run = await runTests(['test/no-such-folder'], {})
  assert.equal(run.status, 2)
  assert.equal(run.stderr, 'no such test file or folder: test/no-such-folder\n')
})
