#!/usr/bin/env node
// `npm run build`: compiles src/ to dist/src/ (tsc: the programmatic API), bundles the
// server (scripts/bundle.mjs), builds the web UI into dist/ui (scripts/build-ui.mjs), then
// records the fingerprint of what it was built from.
//
//   node scripts/build.mjs               build (npm run build, npm ci's `prepare`, the image)
//   node scripts/build.mjs --if-changed  build only when the fingerprint differs from the last
//                                        build's, or an output is missing (npm start); says
//                                        "building…" on stderr when it does, nothing otherwise
//
// The fingerprint covers every file the outputs are made from (src/, the build scripts, the
// TypeScript settings, package.json and the lock file, so the bundled dependencies) and the
// Node version and platform (V8's code cache is made for them).
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const STAMP = join(ROOT, 'dist', '.build-fingerprint')
const INPUT_FOLDERS = ['src']
const INPUT_FILES = ['scripts/build.mjs', 'scripts/bundle.mjs', 'scripts/node-flags.mjs', 'scripts/build-ui.mjs', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json']
const OUTPUTS = ['dist/src/index.js', 'dist/src/server.js', 'dist/server.mjs', 'dist/server.cjs', 'dist/server.cjs.cache', 'dist/ui/index.html', 'dist/ui/app.js', 'dist/ui/app.css']

function filesUnder (folder) {
  return readdirSync(join(ROOT, folder), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(ROOT, join(entry.parentPath ?? entry.path, entry.name)))
}

function fingerprint () {
  const hash = createHash('sha256').update(`${process.version} ${process.platform} ${process.arch}\0`)
  for (const file of [...INPUT_FILES, ...INPUT_FOLDERS.flatMap(filesUnder)].sort()) {
    const full = join(ROOT, file)
    hash.update(`${file}\0`).update(existsSync(full) ? readFileSync(full) : '(missing)').update('\0')
  }
  return hash.digest('hex')
}

function upToDate (current) {
  return OUTPUTS.every((file) => existsSync(join(ROOT, file))) && existsSync(STAMP) && readFileSync(STAMP, 'utf8') === current
}

function run (args) {
  const result = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' })
  if (result.status !== 0) process.exit(result.status ?? 1)
}

const { values } = parseArgs({ options: { 'if-changed': { type: 'boolean', default: false } } })
const current = fingerprint()
if (values['if-changed']) {
  if (upToDate(current)) process.exit(0)
  process.stderr.write('building… (the sources changed since the last build)\n')
}
// A build that fails half-way leaves no fingerprint: the next start builds again.
rmSync(STAMP, { force: true })
run([join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'])
run([join(ROOT, 'scripts', 'bundle.mjs')])
run([join(ROOT, 'scripts', 'build-ui.mjs')])
writeFileSync(STAMP, current)
