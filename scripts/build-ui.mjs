#!/usr/bin/env node
// Builds the web UI (src/ui, Preact with TSX) into dist/ui, which the server serves at
// /_emulator/ui/ (src/routes/control/ui.ts): index.html, app.js and app.css, minified,
// nothing loaded from anywhere else at run time. Run by `npm run build`.
//
// The page may sit behind a reverse proxy under a path prefix, so every URL it uses must
// be relative: the build fails if the bundle names an absolute /_emulator path.
//
//   node scripts/build-ui.mjs                 once, into dist/ui
//   node scripts/build-ui.mjs --watch         again on every change (beside `npm run dev`)
//   node scripts/build-ui.mjs --outdir DIR    elsewhere
import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { build, context } from 'esbuild'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const SOURCE = join(ROOT, 'src', 'ui')
const { values: args } = parseArgs({
  options: { outdir: { type: 'string', default: join(ROOT, 'dist', 'ui') }, watch: { type: 'boolean', default: false } }
})

const options = {
  entryPoints: { app: join(SOURCE, 'main.tsx') },
  bundle: true,
  format: 'esm',
  platform: 'browser',
  // Browsers of the last few years; nothing is polyfilled.
  target: ['chrome111', 'firefox111', 'safari16.4'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning'
}

/** Fails on an absolute path to the control plane: behind a path prefix it would miss. */
function checkRelative (dir) {
  for (const file of ['app.js', 'app.css', 'index.html']) {
    const text = readFileSync(join(dir, file), 'utf8')
    const at = text.search(/["'`(]\/_emulator/)
    if (at >= 0) throw new Error(`${file} names an absolute /_emulator path (${JSON.stringify(text.slice(at, at + 40))}): make it relative (src/ui/api.ts)`)
  }
}

if (args.watch) {
  mkdirSync(args.outdir, { recursive: true })
  copyFileSync(join(SOURCE, 'index.html'), join(args.outdir, 'index.html'))
  const ctx = await context({ ...options, outdir: args.outdir, logLevel: 'info' })
  await ctx.watch()
  console.log(`watching src/ui, building into ${args.outdir}`)
} else {
  // Built beside, then swapped in: a server reading dist/ui meanwhile sees the old build or the new one.
  const temporary = `${args.outdir}.tmp-${process.pid}`
  rmSync(temporary, { recursive: true, force: true })
  try {
    const result = await build({ ...options, outdir: temporary })
    if (result.warnings.length > 0) throw new Error('esbuild warned (above)')
    copyFileSync(join(SOURCE, 'index.html'), join(temporary, 'index.html'))
    checkRelative(temporary)
    rmSync(args.outdir, { recursive: true, force: true })
    renameSync(temporary, args.outdir)
  } finally {
    rmSync(temporary, { recursive: true, force: true })
  }
}
