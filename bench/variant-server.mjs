// One variant of the ablation (bench/variants.mjs): the app from tsc's output with some of
// the listing seam's mechanisms off, listening on 127.0.0.1 as `dist/server.mjs --log-level
// silent` would, with the request journal on.
//
//   node [flags] bench/variant-server.mjs --port <port> --db <file> --off answerCache,orgRecords
//   node --import tsx bench/variant-server.mjs --source ...    from src/ (the smoke test)
import { parseArgs } from 'node:util'
import pino from 'pino'

const { values } = parseArgs({ options: { port: { type: 'string' }, db: { type: 'string' }, off: { type: 'string', default: '' }, source: { type: 'boolean', default: false } } })
const { buildAppWith } = await import(values.source ? '../src/app.ts' : '../dist/src/app.js')
const listings = Object.fromEntries(values.off.split(',').filter((name) => name !== '').map((name) => [name, false]))
const app = await buildAppWith({ db: values.db, loggerInstance: pino({ level: 'silent' }) }, { listings })
await app.listen({ port: Number(values.port), host: '127.0.0.1' })
// A clean stop on SIGTERM, so that `node --cpu-prof` writes its profile.
process.once('SIGTERM', () => { app.close().then(() => process.exit(0), () => process.exit(1)) })
