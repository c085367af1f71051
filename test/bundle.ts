import { spawnSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

let built: string | undefined

/**
 * The server as `npm start`, the package's command and the Docker image run it: the entry
 * point, bundle and code cache of scripts/bundle.mjs, here from the current src/ (never a
 * stale build), once per test process. They are written into dist/ beside the real
 * dist/server.*, so they find node_modules and package.json the same way, and removed
 * when the process exits. Returns the entry point (`node <it>` starts the server).
 */
export function bundledServer (): string {
  if (built !== undefined) return built
  const file = fileURLToPath(new URL(`../dist/server.test-${process.pid}.mjs`, import.meta.url))
  const run = spawnSync(process.execPath, [fileURLToPath(new URL('../scripts/bundle.mjs', import.meta.url)), '--outfile', file], {
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
