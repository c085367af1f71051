import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { describe, test } from 'node:test'
import { buildApp } from '../src/app.js'
import { healthUrl } from '../src/healthcheck.js'

describe('healthcheck (the container probe)', () => {
  test('follows PORT and HOST; a wildcard or unset HOST is probed on loopback', () => {
    assert.equal(healthUrl({}), 'http://127.0.0.1:8080/_emulator/health')
    assert.equal(healthUrl({ PORT: '9000', HOST: '0.0.0.0' }), 'http://127.0.0.1:9000/_emulator/health')
    assert.equal(healthUrl({ PORT: '', HOST: '' }), 'http://127.0.0.1:8080/_emulator/health')
    assert.equal(healthUrl({ HOST: '::' }), 'http://[::1]:8080/_emulator/health')
    assert.equal(healthUrl({ HOST: '10.0.0.5', PORT: '81' }), 'http://10.0.0.5:81/_emulator/health')
  })

  test('as a script: exit 0 while the server answers, 1 once it is gone', async () => {
    const app = await buildApp({ db: ':memory:' })
    await app.listen({ port: 0, host: '127.0.0.1' })
    const address = app.server.address()
    assert.ok(address !== null && typeof address === 'object')
    // not spawnSync: it would block the event loop that has to answer the probe
    const run = async (): Promise<number | null> => await new Promise((resolve) => {
      spawn(process.execPath, ['--import', 'tsx', 'src/healthcheck.ts'], {
        env: { ...process.env, PORT: String(address.port), HOST: '0.0.0.0' },
        stdio: 'ignore'
      }).on('exit', resolve)
    })
    assert.equal(await run(), 0)
    await app.close()
    assert.equal(await run(), 1)
  })
})
