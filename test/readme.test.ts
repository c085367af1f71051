import assert from 'node:assert/strict'
import { execFile, spawnSync } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { describe, test } from 'node:test'
import { buildApp } from '../src/app.js'
import { validateSnapshot } from '../src/snapshot.js'

/**
 * The README's test-suite snippet, run as printed: it imports the package by its name,
 * which Node resolves to this package itself (self-reference through `exports`), so the
 * built output is what runs, as for a user.
 */
describe('README', () => {
  test('the seed-file example is a valid seed, and its curl line lists its invites', async (t) => {
    const readme = readFileSync('README.md', 'utf8')
    const section = readme.slice(readme.indexOf('### Seed file'))
    const json = /```json\n([\s\S]*?)```/.exec(section)?.[1]
    assert.ok(json !== undefined)
    const seed = validateSnapshot(JSON.parse(json))
    const app = await buildApp({ seed })
    t.after(() => app.close())
    const curl = /`curl -H 'Authorization: Bearer ([^']+)' http:\/\/127\.0\.0\.1:8080([^`]+)`/.exec(section)
    assert.ok(curl !== null, 'the curl line')
    const response = await app.inject({ method: 'GET', url: curl[2]!, headers: { authorization: `Bearer ${curl[1]}` } })
    assert.equal(response.statusCode, 200)
    assert.equal(response.json().count, 2)
  })

  test('the quick start and the invite lifecycle run as printed: each answer JSON, on a line of its own', async (t) => {
    const readme = readFileSync('README.md', 'utf8')
    const blockAfter = (heading: string): string => /```sh\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf(heading)))![1]!
    const quickStart = blockAfter('Then, in another terminal')
    const lifecycle = blockAfter('### The invite lifecycle')
    const app = await buildApp()
    t.after(() => app.close())
    await app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = app.server.address() as AddressInfo
    const script = `set -eu\n${quickStart}\n${lifecycle}`.replaceAll('http://127.0.0.1:8080', `http://127.0.0.1:${port}`)
    const run = await new Promise<{ status: number | null, stdout: string, stderr: string }>((resolve) => {
      execFile('bash', ['-c', script], { encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => resolve({ status: error === null ? 0 : (error.code as number | null), stdout, stderr }))
    })
    assert.equal(run.status, 0, run.stderr)
    const printed = (script.match(/curl -s -w '\\n' /g) ?? []).length
    const lines = run.stdout.split('\n')
    assert.equal(lines.pop(), '', 'the last answer ends its line')
    assert.equal(lines.length, printed, run.stdout)
    for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), line)
    assert.deepEqual(JSON.parse(lines.find((line) => line.includes('accepted'))!), { accepted: true, orgId: '575ec8687ae143cd83dc4a98' })
  })

  test('the test-suite snippet runs as printed and passes', (t) => {
    const readme = readFileSync('README.md', 'utf8')
    const marker = readme.indexOf('<!-- readme-test:')
    assert.ok(marker >= 0, 'marker present')
    const block = /```js\n([\s\S]*?)```/.exec(readme.slice(marker))
    assert.ok(block?.[1] !== undefined, 'a js block follows the marker')
    const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { encoding: 'utf8', timeout: 120_000 })
    assert.equal(build.status, 0, build.stdout + build.stderr)
    const file = `readme-snippet-${process.pid}.test.mjs`
    writeFileSync(file, block[1])
    t.after(() => rmSync(file, { force: true }))
    // Without the parent runner's context variable, the child reports on its own stdout.
    const { NODE_TEST_CONTEXT: _context, ...env } = process.env
    const run = spawnSync(process.execPath, ['--test', '--test-reporter=tap', file], { encoding: 'utf8', timeout: 60_000, env })
    assert.equal(run.status, 0, run.stdout + run.stderr)
    assert.match(run.stdout, /# pass 1/)
  })
})
