#!/usr/bin/env node
// Bundles the server (src/server.ts) and the dependencies it imports into one file, and
// makes V8's code cache for it: what `npm start`, the `losant-invites-emulator` command and
// the Docker image run. The cold start (docs/PERFORMANCE.md): one file to read instead of
// some 900 modules to resolve and load, and most of its functions already compiled. The
// programmatic API (`startEmulator`, dist/src/index.js) is tsc's output, not bundled.
//
// It writes, beside each other (dist/server.* by default):
//   server.mjs        the entry point: runs server.cjs, with the code cache when that fits
//   server.cjs        the bundle (CommonJS: V8 caches a script's code, not an ES module's,
//                     on Node 20), and server.cjs.map
//   server.cjs.cache  the SHA-256 of server.cjs, then V8's code cache for it, made by
//                     starting the bundle once (port 0 on 127.0.0.1, :memory:) and asking
//                     /_emulator/health; server.mjs uses it only for that very server.cjs
//                     (V8 itself checks only the length), and V8 only on the same Node and
//                     flags, else it compiles as usual
//
// Left outside the bundle, loaded from node_modules at run time:
//   - better-sqlite3: a native addon, found relative to its own folder;
//   - pino-pretty: imported only when stdout is a terminal (src/server.ts).
// Bundled, but reading files of their own package: their `__dirname` is replaced by that
// package's folder in node_modules, resolved at run time (see DIRNAME_PACKAGES).
// Any other bundled module that mentions `__dirname` or `__filename` fails the build,
// unless listed in UNUSED_DIRNAME with the reason the server never reaches that code; so
// does any esbuild warning (e.g. `import.meta` where the bundle has none).
//
//   node scripts/bundle.mjs                       (npm run build runs it after tsc)
//   node scripts/bundle.mjs --outfile NAME.mjs    the entry point NAME.mjs, with NAME.cjs and
//                                                 NAME.cjs.cache beside it (a test); inside
//                                                 this folder, where node_modules is found
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename, dirname, join, relative, sep } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { build } from 'esbuild'
import { NODE_FLAGS } from './node-flags.mjs'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const { values: args } = parseArgs({ options: { outfile: { type: 'string', default: join(ROOT, 'dist', 'server.mjs') } } })
if (!args.outfile.endsWith('.mjs')) throw new Error('--outfile must end in .mjs')
const ENTRY = args.outfile
const BUNDLE = args.outfile.replace(/\.mjs$/, '.cjs')
const CACHE = `${BUNDLE}.cache`

const EXTERNAL = ['better-sqlite3', 'pino-pretty']

/** Packages whose files read files of their own package, relative to `__dirname`. */
const DIRNAME_PACKAGES = new Set([
  '@fastify/swagger-ui', // serves its static/ folder (the docs page) and reads static/logo.svg
  '@fastify/swagger' // reads its own package.json (defaults for the document's info, which ours overrides)
])

/** Files that mention `__dirname`, on paths the server never takes. */
const UNUSED_DIRNAME = new Map([
  ['pino/lib/transport.js', 'pino transports (worker threads): the server logs to a stream'],
  ['pino/lib/transport-stream.js', 'pino transports'],
  ['thread-stream/index.js', 'the worker thread of pino transports']
])

/** `node_modules/<package>/<path>` of a resolved file: [package, path], or null outside node_modules. */
function packageOf (file) {
  const parts = file.split(sep)
  const at = parts.lastIndexOf('node_modules')
  if (at === -1) return null
  const scoped = parts[at + 1]?.startsWith('@')
  const name = parts.slice(at + 1, at + (scoped ? 3 : 2)).join('/')
  return [name, parts.slice(at + (scoped ? 3 : 2)).join('/')]
}

const dirnamePlugin = {
  name: 'package-dirname',
  setup (b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/].*\.[cm]?js$/ }, async (loaded) => {
      const contents = await readFile(loaded.path, 'utf8')
      if (!/\b__(dirname|filename)\b/.test(contents)) return undefined
      const [name, path] = packageOf(loaded.path) ?? ['', '']
      if (DIRNAME_PACKAGES.has(name)) {
        if (/\b__filename\b/.test(contents)) throw new Error(`${name}/${path} uses __filename: not handled`)
        const dir = dirname(path) === '.' ? '' : dirname(path).split(sep).join('/')
        return { contents: contents.replace(/\b__dirname\b/g, `__packageDir(${JSON.stringify(name)}, ${JSON.stringify(dir)})`), loader: 'js' }
      }
      if (UNUSED_DIRNAME.has(`${name}/${path}`)) return undefined
      throw new Error(`${relative(ROOT, loaded.path)} uses __dirname or __filename: make it external, or handle it in scripts/bundle.mjs`)
    })
  }
}

// Run by the entry point as the body of this function, as Node runs a CommonJS module.
const WRAPPER = ['(function (exports, require, module, __filename, __dirname) {', '\n})']

const banner = [
  "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;",
  "const __packageDir = (name, dir) => require('node:path').join(require('node:path').dirname(require.resolve(name + '/package.json')), dir);"
].join('\n')

rmSync(CACHE, { force: true })
const result = await build({
  entryPoints: [join(ROOT, 'src', 'server.ts')],
  outfile: BUNDLE,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: EXTERNAL,
  // `await import('pino-pretty')` becomes a require(): a script run through node:vm has no
  // loader for import().
  supported: { 'dynamic-import': false },
  define: { 'import.meta.url': '__importMetaUrl' },
  // Keep the paths under node_modules as they are (a symlinked node_modules stays out of the output).
  preserveSymlinks: true,
  plugins: [dirnamePlugin],
  banner: { js: banner },
  // Not minified: stack traces keep their function and class names and read as the code.
  // No keepNames: it wraps every function expression, closures Fastify makes for each
  // request too, in a defineProperty call (about 10 µs a request under load). Names differ
  // only where esbuild renames a symbol that would clash with another module's (`pino2`,
  // TypeBox's `IsObject2`), never a function or class of src/ (checked below).
  keepNames: false,
  sourcemap: 'linked',
  sourcesContent: false,
  logLevel: 'warning'
})
if (result.warnings.length > 0) throw new Error('esbuild warned (above): the bundle may not behave as the modules do')
const bundleSource = await readFile(BUNDLE, 'utf8')
checkOwnNames(bundleSource)
checkOneByte(bundleSource)

/**
 * Every character of the bundle is in Latin-1, so V8 keeps its source (2.7 MB, held while
 * the server runs) one byte a character: a single character past U+00FF, even in a
 * comment, makes the whole source two bytes a character, about 5 MiB more resident.
 */
function checkOneByte (bundle) {
  const at = bundle.search(/[\u0100-\uffff]/)
  if (at < 0) return
  const line = bundle.slice(0, at).split('\n').length
  throw new Error(`the bundle has a character past U+00FF on line ${line}: ${JSON.stringify(bundle.split('\n')[line - 1].trim())} (write it in ASCII in src/)`)
}

/** Every function and class of src/ keeps its name in the bundle (stack traces, logged error types). */
function checkOwnNames (bundle) {
  const renamed = []
  let source = null
  for (const line of bundle.split('\n')) {
    const section = /^\/\/ ((?:src|node_modules)\/\S+)$/.exec(line)
    if (section !== null) {
      source = section[1].startsWith('src/') ? readFileSync(join(ROOT, section[1]), 'utf8') : null
      continue
    }
    if (source === null) continue
    const declared = /^\s*(?:async\s+)?(?:function\*?\s+([\w$]+)|class\s+([\w$]+)|(?:var|let|const)\s+([\w$]+)\s*=\s*(?:async\s*)?(?:function\b|class\b|\([^)]*\)\s*=>|[\w$]+\s*=>))/.exec(line)
    const name = declared?.[1] ?? declared?.[2] ?? declared?.[3]
    if (name !== undefined && !new RegExp(`\\b${name.replace(/\$/g, '\\$')}\\b`).test(source)) renamed.push(name)
  }
  if (renamed.length > 0) throw new Error(`esbuild renamed functions or classes of src/: ${renamed.join(', ')} (rename them in src/)`)
}

writeFileSync(ENTRY, `#!/usr/bin/env node
// The server's entry point, written by scripts/bundle.mjs: it runs the bundle ${basename(BUNDLE)}
// with V8's code cache (${basename(CACHE)}) when the cache was made for this very bundle,
// by this Node with these flags; else V8 compiles the bundle as usual.
import { createHash } from 'node:crypto'
import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Script } from 'node:vm'

/** Compiles and runs the bundle; nothing of it is kept here once it runs. */
function run () {
  const filename = fileURLToPath(new URL(${JSON.stringify(`./${basename(BUNDLE)}`)}, import.meta.url))
  const cacheFile = filename + '.cache'
  const source = readFileSync(filename)
  const hash = createHash('sha256').update(source).digest()
  let cachedData
  try {
    const cache = readFileSync(cacheFile)
    if (cache.subarray(0, hash.length).equals(hash)) cachedData = cache.subarray(hash.length)
  } catch {}
  const script = new Script(${JSON.stringify(WRAPPER[0])} + source.toString('utf8') + ${JSON.stringify(WRAPPER[1])}, { filename, cachedData })
  // Set by scripts/bundle.mjs only: the cache is written as the process exits (SIGTERM).
  if (process.env.LOSANT_EMULATOR_WRITE_CODE_CACHE === '1') {
    process.once('exit', () => {
      writeFileSync(cacheFile + '.tmp', Buffer.concat([hash, script.createCachedData()]))
      renameSync(cacheFile + '.tmp', cacheFile)
    })
  }
  const module = { exports: {} }
  script.runInThisContext()(module.exports, createRequire(filename), module, filename, dirname(filename))
}

run()
`)

// ---- the code cache ---------------------------------------------------------------

/** The environment of `node <NODE_FLAGS> FILE`: no NODE_OPTIONS (V8 takes a cache only under the flags it was made with). */
function plainEnv (extra = {}) {
  const { NODE_OPTIONS: _options, ...env } = process.env
  return { ...env, ...extra }
}

async function makeCache () {
  const child = spawn(process.execPath, [...NODE_FLAGS, ENTRY, '--port', '0', '--host', '127.0.0.1', '--db', ':memory:', '--log-level', 'info'], {
    cwd: ROOT,
    env: plainEnv({ LOSANT_EMULATOR_WRITE_CODE_CACHE: '1' }),
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stderr = ''
  child.stderr.on('data', (chunk) => { stderr += chunk })
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)))
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  try {
    const url = await new Promise((resolve, reject) => {
      createInterface({ input: child.stdout }).on('line', (line) => {
        try {
          const entry = JSON.parse(line)
          if (typeof entry.url === 'string') resolve(entry.url)
        } catch {}
      })
      exited.then((code) => reject(new Error(`the bundle exited (${code}) before listening: ${stderr}`)))
    })
    // The first answer's code too (health is what a starting client asks first).
    const health = await fetch(`${url}/_emulator/health`)
    if (health.status !== 200) throw new Error(`/_emulator/health answered ${health.status}`)
    await health.arrayBuffer()
    child.kill('SIGTERM')
    const code = await exited
    if (code !== 0) throw new Error(`the bundle exited with ${code} on SIGTERM: ${stderr}`)
  } finally {
    clearTimeout(timer)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }
  if (!existsSync(CACHE)) throw new Error(`no ${CACHE} after the run: ${stderr}`)
  // A node under the same flags takes it (else it would be dead weight).
  const check = spawnSync(process.execPath, [...NODE_FLAGS, '--input-type=module', '-e', `
    import { readFileSync } from 'node:fs'
    import { Script } from 'node:vm'
    const source = readFileSync(${JSON.stringify(BUNDLE)}, 'utf8')
    const script = new Script(${JSON.stringify(WRAPPER[0])} + source + ${JSON.stringify(WRAPPER[1])}, { filename: ${JSON.stringify(BUNDLE)}, cachedData: readFileSync(${JSON.stringify(CACHE)}).subarray(32) })
    process.exit(script.cachedDataRejected ? 1 : 0)`], { env: plainEnv(), encoding: 'utf8' })
  if (check.status !== 0) throw new Error(`V8 rejects the code cache it just made: ${check.stderr}`)
}

await makeCache()
