import assert from 'node:assert/strict'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { createInterface } from 'node:readline'
import { describe, test, type TestContext } from 'node:test'
import { buildApp } from '../src/app.js'
import { bundledServer } from './bundle.js'

/**
 * The real process: flags, logs, signals, restarts. Run as users run it: the bundled
 * server (dist/server.mjs, what `npm start`, the command and the image start), bundled
 * from the current src/ for this test file.
 */
const SERVER = [bundledServer()]

function tempDir (t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'emulator-server-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

interface Running { child: ChildProcess, url: string, lines: string[] }

/** Starts the server on port 0 and waits (bounded) for the line that says where it listens. */
async function start (t: TestContext, args: string[], env: Record<string, string> = {}, server = SERVER): Promise<Running> {
  const child = spawn(process.execPath, [...server, '--port', '0', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  t.after(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  const lines: string[] = []
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line in 20 s: ${lines.join('\n')}`)), 20_000)
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line)
      const parsed = JSON.parse(line)
      if (typeof parsed.url === 'string') {
        clearTimeout(timer)
        resolve(parsed.url)
      }
    })
    child.once('exit', (code) => reject(new Error(`exited with ${code}`)))
  })
  return { child, url, lines }
}

async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

async function stop (running: Running, signal: NodeJS.Signals): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => running.child.once('exit', (code) => resolve(code)))
  running.child.kill(signal)
  return await exited
}

async function call (url: string, method: string, body?: unknown, token?: string): Promise<{ status: number, body: any }> {
  const headers: Record<string, string> = {}
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (token !== undefined) headers.authorization = `Bearer ${token}`
  const response = await fetch(url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
  return { status: response.status, body: await response.json() }
}

describe('the server process', () => {
  test('a file database keeps invites and tokens across SIGTERM and restart; SIGTERM exits 0', async (t) => {
    const db = join(tempDir(t), 'data', 'emulator.db')
    const first = await start(t, ['--db', db, '--log-level', 'info'])
    assert.ok(first.lines.some((l) => l.includes(`listening on ${first.url}`)))
    const instance = (await call(`${first.url}/_emulator/instances`, 'POST', {})).body
    const org = (await call(`${first.url}/_emulator/instances/${instance.id}/orgs`, 'POST', {})).body
    const token = (await call(`${first.url}/_emulator/tokens`, 'POST', { scope: ['all.Instance'] })).body.token
    const path = `/instances/${instance.id}/orgs/${org.id}/invites`
    assert.equal((await call(`${first.url}${path}`, 'POST', { email: 'kept@x.io', role: 'view' }, token)).status, 201)
    assert.equal(await stop(first, 'SIGTERM'), 0)

    const second = await start(t, ['--db', db])
    const listed = await call(`${second.url}${path}`, 'GET', undefined, token)
    assert.equal(listed.status, 200)
    assert.deepEqual(listed.body.items.map((i: any) => i.email), ['kept@x.io'])
    assert.equal(await stop(second, 'SIGINT'), 0)
  })

  test('a seed file from the environment; requests are logged one line each, without tokens', async (t) => {
    const dir = tempDir(t)
    const seed = join(dir, 'seed.json')
    writeFileSync(seed, JSON.stringify({
      instances: [{ id: 'aaaaaaaaaaaaaaaaaaaaaaaa', name: 'I', orgs: [{ id: 'bbbbbbbbbbbbbbbbbbbbbbbb', name: 'O', invites: [{ email: 'seeded@x.io', role: 'view' }] }] }],
      tokens: [{ token: 'compose-token', scope: ['all.Instance'] }]
    }))
    const running = await start(t, ['--db', ':memory:'], { LOSANT_EMULATOR_SEED: seed })
    const listed = await call(`${running.url}/instances/aaaaaaaaaaaaaaaaaaaaaaaa/orgs/bbbbbbbbbbbbbbbbbbbbbbbb/invites`, 'GET', undefined, 'compose-token')
    assert.deepEqual(listed.body.items.map((i: any) => i.email), ['seeded@x.io'])
    assert.equal(await stop(running, 'SIGTERM'), 0)
    const requestLines = running.lines.filter((l) => JSON.parse(l).msg === 'request')
    assert.equal(requestLines.length, 1)
    assert.equal(running.lines.some((l) => l.includes('compose-token')), false)
  })

  const failures: Array<[string, string[], Record<string, string>, RegExp]> = [
    ['a bad port', ['--port', 'x'], {}, /^losant-invites-emulator: --port must be a whole number from 0 to 65535, not "x"$/],
    ['a bad log level', [], { LOSANT_EMULATOR_LOG_LEVEL: 'loud' }, /^losant-invites-emulator: LOSANT_EMULATOR_LOG_LEVEL must be one of/],
    ['a missing seed file', ['--seed', '/nonexistent/seed.json'], {}, /^losant-invites-emulator: seed file \/nonexistent\/seed\.json: no such file$/],
    ['a negative port', ['--port', '-1'], {}, /^losant-invites-emulator: --port must be a whole number from 0 to 65535, not "-1"$/],
    ['an unknown flag', ['--verbose'], {}, /^losant-invites-emulator: unknown option --verbose; see --help$/],
    ['an address not on this machine', ['--host', '192.0.2.1', '--db', ':memory:'], {}, /^losant-invites-emulator: cannot listen on 192\.0\.2\.1:8080: listen EADDRNOTAVAIL: address not available 192\.0\.2\.1:8080$/]
  ]
  for (const [name, args, env, message] of failures) {
    test(`${name}: exit 2 with one line and no stack trace`, () => {
      const result = spawnSync(process.execPath, [...SERVER, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 20_000 })
      assert.equal(result.status, 2)
      const lines = result.stderr.trim().split('\n')
      assert.equal(lines.length, 1, result.stderr)
      assert.match(lines[0]!, message)
    })
  }

  test('an invalid seed file names the file and the problem, a misspelt property by its name', (t) => {
    const seed = join(tempDir(t), 'bad.json')
    const cases: Array<[unknown, string]> = [
      [{ instances: [{ id: 'nope' }] }, 'instances.0.id pattern mismatch'],
      [{ instances: [{ id: 'aaaaaaaaaaaaaaaaaaaaaaaa', nmae: 'Dev' }] }, 'instances.0 has additional properties (nmae)']
    ]
    for (const [content, problem] of cases) {
      writeFileSync(seed, JSON.stringify(content))
      const result = spawnSync(process.execPath, [...SERVER, '--seed', seed, '--db', ':memory:'], { encoding: 'utf8', timeout: 20_000 })
      assert.equal(result.status, 2)
      assert.equal(result.stderr.trim(), `losant-invites-emulator: seed file ${seed}: ${problem}`)
    }
  })

  test('a seed given for a database that already holds data: one line says it was not applied, and how to apply it', async (t) => {
    const dir = tempDir(t)
    const db = join(dir, 'emulator.db')
    const first = await start(t, ['--db', db])
    assert.equal((await call(`${first.url}/_emulator/instances`, 'POST', { id: 'cccccccccccccccccccccccc' })).status, 201)
    assert.equal(await stop(first, 'SIGTERM'), 0)
    const seed = join(dir, 'seed.json')
    writeFileSync(seed, JSON.stringify({ instances: [{ id: 'aaaaaaaaaaaaaaaaaaaaaaaa', orgs: [{ id: 'bbbbbbbbbbbbbbbbbbbbbbbb' }] }], tokens: [{ token: 'seed-token', scope: ['all.Instance'] }] }))

    const second = await start(t, ['--db', db, '--seed', seed])
    const said = second.lines.map((line) => JSON.parse(line)).filter((entry) => /seed/i.test(entry.msg))
    assert.equal(said.length, 1, second.lines.join('\n'))
    assert.equal(said[0].level, 40)
    assert.equal(said[0].msg, `The seed was not applied: the database ${db} already holds data from an earlier start (a seed applies only to a new ` +
      'database). To apply it, POST /_emulator/reset (it replaces all data with the seed), or start on a new --db file')
    // As it says: the seed's token is unknown until a reset applies the seed.
    const invites = `${second.url}/instances/aaaaaaaaaaaaaaaaaaaaaaaa/orgs/bbbbbbbbbbbbbbbbbbbbbbbb/invites`
    assert.equal((await call(invites, 'GET', undefined, 'seed-token')).status, 401)
    assert.equal((await call(`${second.url}/_emulator/reset`, 'POST')).status, 200)
    assert.equal((await call(invites, 'GET', undefined, 'seed-token')).status, 200)
    assert.equal(await stop(second, 'SIGTERM'), 0)

    const fresh = await start(t, ['--db', join(dir, 'new.db'), '--seed', seed])
    assert.equal(fresh.lines.filter((line) => /seed/i.test(JSON.parse(line).msg)).length, 0)
    assert.equal((await call(invites.replace(second.url, fresh.url), 'GET', undefined, 'seed-token')).status, 200)
  })

  test('the docs page, its static files and the OpenAPI document are served as from source', async (t) => {
    const running = await start(t, ['--db', ':memory:'])
    const fromSource = await buildApp()
    t.after(() => fromSource.close())
    // As from source, but for where it listens.
    const expected = { ...(await fromSource.inject({ method: 'GET', url: '/_emulator/openapi.json' })).json(), servers: [{ url: running.url, description: 'the address it listens on' }] }
    assert.deepEqual((await call(`${running.url}/_emulator/openapi.json`, 'GET')).body, expected)
    // The docs page's copy lists first where the page was opened from (README, the control plane).
    assert.deepEqual((await call(`${running.url}/_emulator/docs/json`, 'GET')).body, { ...expected, servers: [{ url: '../..', description: 'where this page was opened from (through any path prefix)' }, ...expected.servers] })

    const page = await fetch(`${running.url}/_emulator/docs/`)
    assert.equal(page.status, 200)
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/)
    assert.match(await page.text(), /<title>Swagger UI<\/title>[\s\S]*\.\/static\/swagger-ui-bundle\.js/)
    // @fastify/swagger-ui's own files, from its folder in node_modules
    const script = await fetch(`${running.url}/_emulator/docs/static/swagger-ui-bundle.js`)
    assert.equal(script.status, 200)
    assert.match(script.headers.get('content-type') ?? '', /^application\/javascript/)
    assert.ok(Buffer.from(await script.arrayBuffer()).equals(readFileSync('node_modules/@fastify/swagger-ui/static/swagger-ui-bundle.js')))
    const logo = await fetch(`${running.url}/_emulator/docs/static/logo.svg`)
    assert.equal(logo.status, 200)
    assert.ok(Buffer.from(await logo.arrayBuffer()).equals(readFileSync('node_modules/@fastify/swagger-ui/static/logo.svg')))
    const missing = await call(`${running.url}/_emulator/docs/static/nope.js`, 'GET')
    assert.deepEqual(missing, { status: 404, body: { type: 'NotFound', message: '/_emulator/docs/static/nope.js does not exist' } })
    assert.equal(await stop(running, 'SIGTERM'), 0)
  })

  test('in a terminal, logs are readable lines (pino-pretty), not JSON; SIGTERM exits 0', async (t) => {
    // `script` (util-linux) runs the server with a pseudo-terminal as its stdout; `exec`
    // makes node its child, and -e makes node's exit code its own.
    const command = [process.execPath, ...SERVER, '--port', '0', '--db', ':memory:'].map((word) => `'${word}'`).join(' ')
    const child = spawn('script', ['-qec', `exec ${command}`, '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'] })
    t.after(() => { if (child.exitCode === null) child.kill('SIGKILL') })
    let output = ''
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line in 20 s: ${output}`)), 20_000)
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString()
        // eslint-disable-next-line no-control-regex
        const listening = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output.replace(/\x1b\[[0-9;]*m/g, ''))
        if (listening !== null) {
          clearTimeout(timer)
          resolve(listening[1]!)
        }
      })
      child.once('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)))
    })
    assert.equal((await fetch(`${url}/_emulator/health`)).status, 200)
    assert.equal((await fetch(`${url}/nope?jwt=secret`)).status, 404)
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    const node = Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim())
    process.kill(node, 'SIGTERM')
    assert.equal(await exited, 0)
    // eslint-disable-next-line no-control-regex
    const lines = output.replace(/\x1b\[[0-9;]*m/g, '').split(/\r?\n/).filter((line) => line !== '')
      .map((line) => line.replace(/^\[\d\d:\d\d:\d\d\.\d{3}\] /, '[time] '))
    // One line each: the start (once), every request (method, path, status, ms), the stop.
    assert.deepEqual(lines.map((line) => line.replace(/\d+(\.\d+)? ms$/, 'N ms')), [
      `[time] INFO: Losant invites emulator ${JSON.parse(readFileSync('package.json', 'utf8')).version} listening on ${url} (database :memory:)`,
      '[time] INFO: GET /_emulator/health 200 N ms',
      '[time] INFO: GET /nope?jwt=[redacted] 404 N ms',
      '[time] INFO: stopping {"signal":"SIGTERM"}',
      '[time] INFO: stopped after N ms'
    ], output)
  })

  test('the URL is printed once, one line, at every log level but silent; Fastify\'s own line is gone', async (t) => {
    for (const level of ['info', 'warn', 'error', 'fatal']) {
      const running = await start(t, ['--db', ':memory:', '--log-level', level])
      assert.equal((await call(`${running.url}/_emulator/health`, 'GET')).status, 200)
      assert.equal(await stop(running, 'SIGTERM'), 0)
      const listening = running.lines.filter((line) => /listening/i.test(line))
      assert.equal(listening.length, 1, `${level}: ${running.lines.join('\n')}`)
      assert.deepEqual(JSON.parse(listening[0]!).url, running.url)
      if (level !== 'info') assert.equal(running.lines.length, 1, `${level}: ${running.lines.join('\n')}`)
    }
    // Silent: nothing at all, though it serves (on a port chosen here, since it says none).
    const port = await freePort()
    const child = spawn(process.execPath, [...SERVER, '--port', String(port), '--db', ':memory:', '--log-level', 'silent'], { stdio: ['ignore', 'pipe', 'pipe'] })
    t.after(() => { if (child.exitCode === null) child.kill('SIGKILL') })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    for (let attempt = 0; ; attempt++) {
      const answered = await fetch(`http://127.0.0.1:${port}/_emulator/health`).then((r) => r.status, () => 0)
      if (answered === 200) break
      assert.ok(attempt < 200, 'no answer in 20 s')
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    child.kill('SIGTERM')
    assert.equal(await exited, 0)
    assert.equal(output, '')
  })

  test('the package\'s command runs dist/server.mjs as `npm run build` makes it', async (t) => {
    // Rebuilt here (the bundle step of `npm run build`), so the command runs the current src/.
    const build = spawnSync(process.execPath, ['scripts/bundle.mjs'], { encoding: 'utf8', timeout: 60_000 })
    assert.equal(build.status, 0, build.stderr)
    const version = spawnSync(process.execPath, ['bin/losant-invites-emulator.js', '--version'], { encoding: 'utf8', timeout: 20_000 })
    assert.equal(version.stdout, `${JSON.parse(readFileSync('package.json', 'utf8')).version}\n`)
    // Run as a command too: its shebang (`env -S <environment> node <the V8 flags>`) starts it.
    const direct = spawnSync('./bin/losant-invites-emulator.js', ['--version'], { encoding: 'utf8', timeout: 20_000 })
    assert.equal(direct.stdout, version.stdout, direct.stderr)
    const running = await start(t, ['--db', ':memory:', '--log-level', 'info'], {}, ['bin/losant-invites-emulator.js'])
    assert.equal((await call(`${running.url}/_emulator/health`, 'GET')).status, 200)
    assert.equal(await stop(running, 'SIGTERM'), 0)
  })

  test('a code cache left from another bundle is not used: the server runs the code it has', async (t) => {
    // A copy of the bundle with one change of the same length, beside the original's code
    // cache (V8 itself would take it: it checks only the source's length).
    const [entry] = SERVER as [string]
    const bundle = readFileSync(entry.replace(/\.mjs$/, '.cjs'), 'utf8')
    const health = '{ status: "ok", version: VERSION }'
    assert.equal(bundle.split(health).length, 2, "the health handler's answer, once")
    const copy = entry.replace(/\.mjs$/, '-changed.mjs')
    const files = [copy, copy.replace(/\.mjs$/, '.cjs'), copy.replace(/\.mjs$/, '.cjs.cache')]
    t.after(() => { for (const file of files) rmSync(file, { force: true }) })
    writeFileSync(files[0]!, readFileSync(entry, 'utf8').replace(`./${basename(entry, '.mjs')}.cjs`, `./${basename(copy, '.mjs')}.cjs`))
    writeFileSync(files[1]!, bundle.replace(health, health.replace('VERSION', '"1.2.3"')))
    copyFileSync(entry.replace(/\.mjs$/, '.cjs.cache'), files[2]!)
    const running = await start(t, ['--db', ':memory:'], {}, [copy])
    assert.deepEqual((await call(`${running.url}/_emulator/health`, 'GET')).body, { status: 'ok', version: '1.2.3' })
    assert.equal(await stop(running, 'SIGTERM'), 0)
  })

  test('--version and -v, --help and -h', () => {
    const expected = `${JSON.parse(readFileSync('package.json', 'utf8')).version}\n`
    for (const flag of ['--version', '-v']) {
      const version = spawnSync(process.execPath, [...SERVER, flag], { encoding: 'utf8', timeout: 20_000 })
      assert.deepEqual([version.status, version.stdout], [0, expected], flag)
    }
    const help = spawnSync(process.execPath, [...SERVER, '--help'], { encoding: 'utf8', timeout: 20_000 })
    assert.equal(help.status, 0)
    assert.equal(spawnSync(process.execPath, [...SERVER, '-h'], { encoding: 'utf8', timeout: 20_000 }).stdout, help.stdout)
  })

  test('--help says what the README\'s Configuration table says, option by option, each default once', () => {
    const help = spawnSync(process.execPath, [...SERVER, '--help'], { encoding: 'utf8', timeout: 20_000 }).stdout
    const readme = readFileSync('README.md', 'utf8')
    const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('### Seed file'))
    const rows = table.split('\n').filter((line) => line.startsWith('| `-')).map((line) => line.slice(1, -1).split('|').map((cell) => cell.trim().replace(/`/g, '')))
    assert.ok(rows.length >= 10, 'the table\'s rows')
    const lines = help.split('\n')
    const optionLines = lines.filter((line) => /^ {2}-/.test(line))
    assert.equal(optionLines.length, rows.length, help)
    for (const [flag, env, def, meaning] of rows as Array<[string, string, string, string]>) {
      const at = lines.findIndex((line) => line.startsWith(`  ${flag} `))
      assert.ok(at >= 0, `${flag} in --help`)
      assert.equal(lines[at]!.slice(2 + flag.length).trim(), meaning, flag)
      const details = [def === '' ? '' : `default: ${def}`, env === '' ? '' : `environment: ${env}`].filter((d) => d !== '').join('; ')
      if (details !== '') assert.equal(lines[at + 1]!.trim(), details, flag)
      assert.doesNotMatch(meaning, /default/, `${flag}: its default is said once, in its own column`)
    }
  })
})
