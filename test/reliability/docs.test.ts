import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { CI_FUZZ_TOTAL, CI_PLAN } from './support.js'

/** docs/RELIABILITY.md states what CI runs; this keeps the numbers in step with the tests. */
test('docs/RELIABILITY.md quotes the case counts the CI run uses', () => {
  const doc = readFileSync('docs/RELIABILITY.md', 'utf8')
  const lines = doc.split('\n')
  for (const [name, count] of Object.entries(CI_PLAN)) {
    const row = lines.find((line) => line.startsWith('|') && line.includes(`\`${name}\``))
    assert.ok(row !== undefined, `a table row for \`${name}\``)
    assert.ok(row.includes(count.toLocaleString('en-US')), `the row for ${name} says ${count.toLocaleString('en-US')}: ${row}`)
  }
  assert.ok(doc.includes(CI_FUZZ_TOTAL.toLocaleString('en-US')), `the fuzz total ${CI_FUZZ_TOTAL}`)
  assert.ok(doc.includes('npm run test:long'))
})
