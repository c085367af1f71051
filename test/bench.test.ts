import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { test } from 'node:test'
import { bundledServer } from './bundle.js'

// Keeps the benchmark working: one smoke run (tiny orgs, fractions of a second per run),
// against src/ (its store through tsx, the server as the tests' bundle of src/) so no build
// is needed. Checks that it completes and prints its
// tables; never how fast anything was (the benchmark measures, the tests check behaviour).
test('npm run bench --smoke completes and prints the table', () => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.mjs', '--smoke', '--source', '--server', bundledServer()], {
    encoding: 'utf8',
    timeout: 180_000
  })
  assert.equal(run.status, 0, run.stderr)
  for (const heading of ['| scenario', 'a GET 50', 'b GET', 'c POST re-invite 50', 'd cold start', 'e peak RSS', 'f scaling', 'g glob worst cases', 'Targets (ratios within this run):']) {
    assert.ok(run.stdout.includes(heading), `missing "${heading}" in:\n${run.stdout}`)
  }
  assert.match(run.stdout, /a 257-character filter: 400 /)
})
