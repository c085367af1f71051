import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'

/** What `npm ci` and the published package hold: its licence, its runtime dependencies, their engines. */
const read = (path: string): string => readFileSync(path, 'utf8')
const pkg = JSON.parse(read('package.json')) as { license: string, engines: { node: string }, dependencies: Record<string, string>, devDependencies: Record<string, string> }
const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { version?: string, dev?: boolean, engines?: { node?: string } }> }

test('a LICENSE file with the licence package.json names', () => {
  assert.equal(pkg.license, 'MIT')
  assert.match(read('LICENSE'), /^MIT License\n\nCopyright \(c\) \d{4} /)
})

test('micromatch, used by the tests only, is a devDependency: nothing in src/ imports it', () => {
  assert.equal(pkg.dependencies.micromatch, undefined)
  assert.ok(pkg.devDependencies.micromatch !== undefined)
  const sources = readdirSync('src', { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'))
  for (const file of sources) assert.doesNotMatch(read(join('src', file)), /from 'micromatch'/, file)
})

test('no runtime dependency asks for Node 22 or later (npm ci said EBADENGINE for cookie@2)', () => {
  const minimumMajor = Number(/^>=(\d+)/.exec(pkg.engines.node)?.[1])
  assert.equal(minimumMajor, 20)
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || entry.dev === true || entry.engines?.node === undefined) continue
    // The lowest major any of its ranges names (">=18", "^20.19 || >=22"); "*" names none.
    const majors = [...entry.engines.node.matchAll(/(\d+)(?:\.\d+)*/g)].map((m) => Number(m[1]))
    if (majors.length > 0) assert.ok(Math.min(...majors) <= minimumMajor, `${path}@${entry.version} wants node ${entry.engines.node}`)
  }
})
