import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { describe, test } from 'node:test'
import { buildApp } from '../src/app.js'
import { validateSnapshot } from '../src/snapshot.js'

/**
 * The README's examples, run as printed against an emulator on a free port. (Its
 * test-suite example imports the package by its name: test/build.test.ts runs it in a
 * project that installed the packed tarball, as a user would.)
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

  test('the official client examples: client.request runs as printed with the installed losant-rest; the generated method where the release has it', async (t) => {
    const readme = readFileSync('README.md', 'utf8')
    const blockAt = (marker: string): string => {
      const at = readme.indexOf(marker)
      assert.ok(at >= 0, marker)
      return /```js\n([\s\S]*?)```/.exec(readme.slice(at))![1]!
    }
    const generated = blockAt('<!-- readme-client: generated methods')
    const request = blockAt('<!-- readme-client: client.request')
    const instanceId = '575ec8687ae143cd83dc4a97'
    const orgId = '575ec8687ae143cd83dc4a98'
    const app = await buildApp({
      seed: validateSnapshot({
        instances: [{ id: instanceId, orgs: [{ id: orgId, invites: [{ email: 'bob@example.com', role: 'edit' }, { email: 'ann@example.com', role: 'view' }] }] }],
        tokens: [{ token: 'readme-token', scope: ['all.Instance'] }]
      })
    })
    t.after(() => app.close())
    await app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = app.server.address() as AddressInfo
    // In the project's folder, so `losant-rest` resolves to the installed one.
    const run = async (name: string, code: string) => {
      const file = `readme-client-${process.pid}-${name}.mjs`
      writeFileSync(file, code.replaceAll('http://127.0.0.1:8080', `http://127.0.0.1:${port}`))
      t.after(() => rmSync(file, { force: true }))
      return await new Promise<{ status: number | null, stdout: string, stderr: string }>((resolve) => {
        execFile(process.execPath, [file], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, TOKEN: 'readme-token' } }, (error, stdout, stderr) =>
          resolve({ status: error === null ? 0 : (error.code as number | null), stdout, stderr }))
      })
    }
    const listed = await run('request', request)
    assert.equal(listed.status, 0, listed.stderr)
    assert.equal(listed.stdout, "2 [ 'ann@example.com', 'bob@example.com' ]\n")

    const version = (JSON.parse(readFileSync('node_modules/losant-rest/package.json', 'utf8')) as { version: string }).version
    const [major, minor] = version.split('.').map(Number) as [number, number]
    const generatedRun = await run('generated', generated)
    if (major > 2 || (major === 2 && minor >= 11)) {
      // A release with the generated methods: the example runs and lists the same.
      assert.equal(generatedRun.status, 0, generatedRun.stderr)
      assert.equal(generatedRun.stdout, listed.stdout)
    } else {
      // As the README says of 2.8.1 and earlier: no client.instanceOrgInvites.
      t.diagnostic(`losant-rest ${version} is installed: it has no client.instanceOrgInvites, so that example cannot run here`)
      assert.notEqual(generatedRun.status, 0)
      assert.match(generatedRun.stderr, /TypeError: Cannot read properties of undefined \(reading 'get'\)/)
    }
  })
})
