import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
// @ts-expect-error: a plain .mjs module of the build scripts, without types
import { NODE_ENV, NODE_FLAGS } from '../scripts/node-flags.mjs'

// The server runs under the same V8 flags and environment wherever this project starts it, and its code
// cache is made under them (V8 ignores a cache made under other flags).
const read = (path: string): string => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8')
const flags = NODE_FLAGS as string[]
const env = Object.entries(NODE_ENV as Record<string, string>).map(([name, value]) => `${name}=${value}`)

test('npm start, the package command, the Docker image and the benchmark run node with scripts/node-flags.mjs', () => {
  assert.ok(flags.length > 0)
  assert.ok(env.length > 0)
  const start = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.start
  assert.equal(start, `exec env ${env.join(' ')} node ${flags.join(' ')} dist/server.mjs`)
  assert.equal(read('bin/losant-invites-emulator.js').split('\n')[0], `#!/usr/bin/env -S ${env.join(' ')} node ${flags.join(' ')}`)
  const dockerfile = read('Dockerfile')
  const cmd = dockerfile.split('\n').filter((line) => line.startsWith('CMD '))
  assert.deepEqual(cmd, [`CMD ${JSON.stringify(['node', ...flags, 'dist/server.mjs']).replace(/","/g, '", "')}`])
  for (const assignment of env) assert.ok(dockerfile.split('\n').some((line) => line.trim().replace(/ \\$/, '') === assignment), `Dockerfile ENV ${assignment}`)
  assert.match(read('bench/run.mjs'), /\[process\.execPath, \.\.\.NODE_FLAGS, BUNDLE\]/)
  assert.match(read('bench/run.mjs'), /\{ \.\.\.process\.env, \.\.\.NODE_ENV \}/)
  assert.match(read('scripts/bundle.mjs'), /spawn\(process\.execPath, \[\.\.\.NODE_FLAGS, ENTRY/)
})
