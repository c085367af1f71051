import { spawnSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join } from 'node:path'

let built: string | undefined

/**
 * The server as `npm start`, the package's command and the Docker image run it: the entry
 * point, bundle and code cache of scripts/bundle.mjs, here from the current src/ (never a
 * stale build). `npm test` makes one for the whole run and names it in TEST_SERVER_BUNDLE;
 * a test file run on its own makes its own, once per process. They are written into dist/
 * beside the real dist/server.*, so they find node_modules and package.json the same way,
 * and removed when the process that made them exits. Returns the entry point (`node <it>`
 * starts the server).
 */
export function bundledServer (): string {
  if (built !== undefined) return built
  const shared = process.env.TEST_SERVER_BUNDLE
  if (shared !== undefined && shared !== '') return (built = shared)
  const file = join(process.cwd(), 'dist', `server.test-${process.pid}.mjs`)
  const run = spawnSync(process.execPath, ['scripts/bundle.mjs', '--outfile', file], {
    encoding: 'utf8',
    timeout: 60_000
  })
  if (run.status !== 0) throw new Error(`scripts/bundle.mjs failed (${run.status ?? run.signal}): ${run.stderr}`)
  process.once('exit', () => {
    for (const suffix of ['.mjs', '.cjs', '.cjs.map', '.cjs.cache']) rmSync(file.replace(/\.mjs$/, suffix), { force: true })
  })
  built = file
  return file
}
