import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
// @ts-expect-error: a plain .mjs module of the build scripts, without types
import { NODE_FLAGS } from '../scripts/node-flags.mjs'

// The server runs under the same V8 flags wherever this project starts it, and its code
// cache is made under them (V8 ignores a cache made under other flags).
const read = (path: string): string => readFileSync(path, 'utf8')
const flags = NODE_FLAGS as string[]

test('npm start, the package command, the Docker image and the benchmark run node with scripts/node-flags.mjs', () => {
  assert.ok(flags.length > 0)
  const start = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.start
  assert.equal(start, `exec node ${flags.join(' ')} dist/server.mjs`)
  assert.equal(read('bin/losant-invites-emulator.js').split('\n')[0], `#!/usr/bin/env -S node ${flags.join(' ')}`)
  const dockerfile = read('Dockerfile')
  const cmd = dockerfile.split('\n').filter((line) => line.startsWith('CMD '))
  assert.deepEqual(cmd, [`CMD ${JSON.stringify(['node', ...flags, 'dist/server.mjs']).replace(/","/g, '", "')}`])
  assert.match(read('bench/run.mjs'), /\[process\.execPath, \.\.\.NODE_FLAGS, BUNDLE\]/)
  assert.match(read('scripts/bundle.mjs'), /spawn\(process\.execPath, \[\.\.\.NODE_FLAGS, ENTRY/)
})
