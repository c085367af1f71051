#!/usr/bin/env node
// Bundles the server (src/server.ts) and the dependencies it imports into one ES module,
// dist/server.mjs: what `npm start`, the `losant-invites-emulator` command and the Docker
// image run. One file to read and compile instead of some 900 modules to resolve and
// load: the cold start (docs/PERFORMANCE.md). The programmatic API (`startEmulator`,
// dist/src/index.js) is tsc's output, not bundled.
//
// Left outside, loaded from node_modules at run time:
//   - better-sqlite3: a native addon, found relative to its own folder;
//   - pino-pretty: imported only when stdout is a terminal (src/server.ts).
// Bundled, but reading files of their own package: their `__dirname` is replaced by that
// package's folder in node_modules, resolved at run time (see DIRNAME_PACKAGES).
// Any other bundled module that mentions `__dirname` or `__filename` fails the build,
// unless listed in UNUSED_DIRNAME with the reason the server never reaches that code.
//
//   node scripts/bundle.mjs                   (npm run build runs it after tsc)
//   node scripts/bundle.mjs --outfile FILE    elsewhere (a test); FILE must be inside this
//                                             folder, where node_modules is found from it
import { readFile } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { build } from 'esbuild'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const { values: args } = parseArgs({ options: { outfile: { type: 'string', default: join(ROOT, 'dist', 'server.mjs') } } })

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
    b.onLoad({ filter: /[\\/]node_modules[\\/].*\.[cm]?js$/ }, async (args) => {
      const contents = await readFile(args.path, 'utf8')
      if (!/\b__(dirname|filename)\b/.test(contents)) return undefined
      const [name, path] = packageOf(args.path) ?? ['', '']
      if (DIRNAME_PACKAGES.has(name)) {
        if (/\b__filename\b/.test(contents)) throw new Error(`${name}/${path} uses __filename: not handled`)
        const dir = dirname(path) === '.' ? '' : dirname(path).split(sep).join('/')
        return { contents: contents.replace(/\b__dirname\b/g, `__packageDir(${JSON.stringify(name)}, ${JSON.stringify(dir)})`), loader: 'js' }
      }
      if (UNUSED_DIRNAME.has(`${name}/${path}`)) return undefined
      throw new Error(`${relative(ROOT, args.path)} uses __dirname or __filename: make it external, or handle it in scripts/bundle.mjs`)
    })
  }
}

// An ES module has no `require`: bundled CommonJS code gets one made for this file (it
// loads Node's built-ins and the external packages), and `__packageDir`.
const banner = [
  "import { createRequire as __createRequire } from 'node:module';",
  "import { dirname as __pathDirname, join as __pathJoin } from 'node:path';",
  'const require = __createRequire(import.meta.url);',
  "const __packageDir = (name, dir) => __pathJoin(__pathDirname(require.resolve(name + '/package.json')), dir);"
].join('\n')

await build({
  entryPoints: [join(ROOT, 'src', 'server.ts')],
  outfile: args.outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: EXTERNAL,
  // Keep the paths under node_modules as they are (a symlinked node_modules stays out of the output).
  preserveSymlinks: true,
  plugins: [dirnamePlugin],
  banner: { js: banner },
  // Not minified: stack traces and logged errors keep their function and class names.
  keepNames: true,
  sourcemap: 'linked',
  sourcesContent: false,
  logLevel: 'warning'
})
