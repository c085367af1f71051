import type { FastifyInstance } from 'fastify'
import instanceOrgInvite from './instance-org-invite.js'
import instanceOrgInvites from './instance-org-invites.js'
import orgInvites from './org-invites.js'

/** The Losant-compatible API, at the same paths as the real one. */
export default async function losantRoutes (app: FastifyInstance): Promise<void> {
  await app.register(instanceOrgInvites)
  await app.register(instanceOrgInvite)
  await app.register(orgInvites)
}
