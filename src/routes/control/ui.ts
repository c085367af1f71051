import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyReply } from 'fastify'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import fastifyStatic from '@fastify/static'
import { errors } from '../../errors.js'
import { ErrorSchema } from '../../schemas/error.js'
import { OverviewSchema } from '../../schemas/overview.js'
import { UI_HEADERS } from '../../security/headers.js'
import { PACKAGE_DIR, VERSION } from '../../version.js'

const publicPage = { access: 'public' } as const

/** Where `npm run build` puts the front end (scripts/build-ui.mjs). */
const UI_DIR = PACKAGE_DIR === undefined ? undefined : join(PACKAGE_DIR, 'dist', 'ui')

/**
 * The web UI (src/ui, built into dist/ui) at `/_emulator/ui/`, `GET /` sending a browser
 * there, and the overview the UI's first screen shows. The page holds no data, so it loads
 * without the admin token; every call it makes sends it. Every URL the page uses is
 * relative, and so are these redirects: it works behind a reverse proxy under a path prefix.
 * (The live journal the UI reads is GET /_emulator/requests/stream, in requests.ts.)
 */
const uiRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { emulator, harness } = app
  const startedAt = Date.now()

  await app.register(fastifyStatic, { root: UI_DIR ?? process.cwd(), serve: false })

  app.get('/', {
    schema: { hide: true },
    config: { policy: publicPage }
  }, async (request, reply) => {
    // The router ignores trailing slashes, so `//` lands here too: only `/` is the UI's.
    const path = request.url.split('?')[0] ?? ''
    if (path !== '/') throw errors.pathNotFound(path)
    return reply.redirect('_emulator/ui/')
  })

  // The router ignores trailing slashes, but the page's relative URLs need the one after `ui`.
  app.get('/_emulator/ui', {
    schema: { hide: true },
    config: { policy: publicPage }
  }, async (request, reply) => (request.url.split('?')[0] ?? '').endsWith('/') ? sendUiFile(reply, 'index.html') : reply.redirect('ui/'))

  app.get('/_emulator/ui/*', {
    schema: { hide: true },
    config: { policy: publicPage }
  }, async (request, reply) => {
    const file = (request.params as { '*': string })['*']
    // Decoded by the router; browsers resolve `..` before they ask, so only a crafted URL has one.
    if (file.split(/[/\\]/).some((segment) => segment === '..')) throw errors.pathNotFound(request.url.split('?')[0] ?? request.url)
    return sendUiFile(reply, file || 'index.html')
  })

  app.get('/_emulator/overview', {
    schema: {
      summary: 'What the emulator is and holds: version, database, uptime, clock, and counts of instances, orgs, invites, outbox messages, journal entries and active faults',
      tags: ['control'],
      response: { 200: OverviewSchema, 401: ErrorSchema }
    },
    config: { policy: { access: 'admin' } }
  }, async () => ({
    version: VERSION,
    database: emulator.store.location,
    startedAt: new Date(startedAt).toISOString(),
    uptimeMs: Date.now() - startedAt,
    clock: emulator.clockState(),
    journalSize: harness.journal.size,
    counts: {
      ...emulator.store.counts(),
      requests: harness.journal.length,
      faults: harness.faults.list().filter((fault) => fault.remaining > 0).length
    }
  }))
}

function sendUiFile (reply: FastifyReply, file: string): FastifyReply {
  if (UI_DIR === undefined || !existsSync(join(UI_DIR, 'index.html'))) throw errors.uiNotBuilt()
  // Not fingerprinted: the browser asks again each time (an ETag makes that a 304).
  return reply.headers(UI_HEADERS).header('cache-control', 'no-cache').sendFile(file, UI_DIR, { cacheControl: false })
}

export default uiRoutes
