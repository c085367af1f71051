import { errors } from '../../errors.js'
import type { InviteStore, OrgRecord } from '../../store/types.js'

/** Step 4 of the order of checks: the instance, then the org, each a 404 of its own. */
export function requireOrg (store: InviteStore, instanceId: string, orgId: string): OrgRecord {
  if (store.getInstance(instanceId) === undefined) throw errors.notFound('Instance')
  const org = store.getOrg(instanceId, orgId)
  if (org === undefined) throw errors.notFound('Organization')
  return org
}

/** Ids are hex; the store keeps them lower-case, so `575EC8…` finds `575ec8…`. */
export function normalizeId (id: string): string {
  return id.toLowerCase()
}
