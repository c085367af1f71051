import type { FastifyInstance } from 'fastify'
import instanceOrgInvites from './instance-org-invites.js'

/** The Losant-compatible API, at the same paths as the real one. */
export default async function losantRoutes (app: FastifyInstance): Promise<void> {
  await app.register(instanceOrgInvites)
}
