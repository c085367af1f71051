import { errors } from '../errors.js'
import { StoreMissingOrgError, type InviteStore, type OrgRecord } from '../store/types.js'

/** Step 4 of the order of checks: the instance, then the org, each a 404 of its own. */
export function requireOrg (store: InviteStore, instanceId: string, orgId: string): OrgRecord {
  if (store.getInstance(instanceId) === undefined) throw errors.notFound('Instance')
  const org = store.getOrg(instanceId, orgId)
  if (org === undefined) throw errors.notFound('Organization')
  return org
}

/**
 * Runs `write`, a write into the org, and answers what it answers; when the store refuses
 * it because the org does not exist (nothing written), throws requireOrg's 404. The same
 * answers as requireOrg before the write, without two reads before every write.
 */
export function writeInOrg<T> (store: InviteStore, instanceId: string, orgId: string, write: () => T): T {
  try {
    return write()
  } catch (error) {
    if (error instanceof StoreMissingOrgError) requireOrg(store, instanceId, orgId)
    throw error
  }
}

/** Ids are hex; the store keeps them lower-case, so `575EC8…` finds `575ec8…`. */
export function normalizeId (id: string): string {
  return id.toLowerCase()
}
