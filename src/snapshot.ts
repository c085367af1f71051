import { readFileSync } from 'node:fs'
import { newInviteToken, newObjectId } from './ids.js'
import { SnapshotSchema, type Snapshot } from './schemas/snapshot.js'
import type { InviteRecord, StoreDump } from './store/types.js'
import { lazyValidator } from './validation.js'

/** A snapshot or seed that cannot be applied; the message says where and why. */
export class SnapshotError extends Error {}

const validateShape = lazyValidator(SnapshotSchema, '', { rootName: 'snapshot', nameAdditional: true })

/**
 * Checks a snapshot (or seed) before anything is applied: its shape against the schema,
 * then what a schema cannot say: ids unique where they must be, one invite per email and
 * org, one member per email and org, each static token once. Throws SnapshotError.
 */
export function validateSnapshot (value: unknown): Snapshot {
  const problem = validateShape(value)
  if (problem !== null) throw new SnapshotError(problem)
  return checkSnapshotUniqueness(value as Snapshot)
}

/** The checks a schema cannot make, for a snapshot whose shape is already valid. */
export function checkSnapshotUniqueness (snapshot: Snapshot): Snapshot {
  const seen = new Set<string>()
  const once = (key: string, message: string) => {
    if (seen.has(key)) throw new SnapshotError(message)
    seen.add(key)
  }
  snapshot.instances?.forEach((instance, i) => {
    once(`instance:${instance.id.toLowerCase()}`, `instances.${i}.id ${instance.id} is listed twice`)
    instance.orgs?.forEach((org, o) => {
      const at = `instances.${i}.orgs.${o}`
      once(`org:${instance.id.toLowerCase()}:${org.id.toLowerCase()}`, `${at}.id ${org.id} is listed twice in its instance`)
      org.invites?.forEach((invite, n) => {
        if (invite.id !== undefined) once(`invite:${invite.id.toLowerCase()}`, `${at}.invites.${n}.id ${invite.id} is listed twice`)
        once(`email:${instance.id}:${org.id}:${invite.email.toLowerCase()}`, `${at}.invites.${n}.email ${invite.email} has two invites in its organization`)
      })
      org.members?.forEach((member, m) => {
        once(`member:${instance.id}:${org.id}:${member.email.toLowerCase()}`, `${at}.members.${m}.email ${member.email} is listed twice`)
      })
    })
  })
  snapshot.tokens?.forEach((token, t) => once(`token:${token.token}`, `tokens.${t}.token is listed twice`))
  return snapshot
}

export interface SnapshotDefaults {
  now: number
  inviteTtlMs: number
}

/** A validated snapshot as the store's flat records; absent invite fields are filled in. */
export function snapshotToDump (snapshot: Snapshot, defaults: SnapshotDefaults): StoreDump {
  const dump: StoreDump = { instances: [], orgs: [], invites: [], members: [], tokens: [] }
  for (const instance of snapshot.instances ?? []) {
    const instanceId = instance.id.toLowerCase()
    dump.instances.push({ id: instanceId, name: instance.name ?? `Instance ${instanceId}` })
    for (const org of instance.orgs ?? []) {
      const orgId = org.id.toLowerCase()
      dump.orgs.push({ instanceId, id: orgId, name: org.name ?? `Organization ${orgId}` })
      for (const invite of org.invites ?? []) {
        const record: InviteRecord = {
          id: invite.id?.toLowerCase() ?? newObjectId(defaults.now),
          instanceId,
          orgId,
          email: invite.email.toLowerCase(),
          role: invite.role,
          inviteDate: invite.inviteDate === undefined ? defaults.now : Date.parse(invite.inviteDate),
          ttl: invite.ttl ?? defaults.inviteTtlMs,
          token: invite.token ?? newInviteToken()
        }
        if (invite.applicationRoles !== undefined) record.applicationRoles = invite.applicationRoles
        if (invite.dashboardRoles !== undefined) record.dashboardRoles = invite.dashboardRoles
        if (invite.disallowTransfer !== undefined) record.disallowTransfer = invite.disallowTransfer
        dump.invites.push(record)
      }
      for (const member of org.members ?? []) {
        dump.members.push({ instanceId, orgId, email: member.email.toLowerCase(), role: member.role })
      }
    }
  }
  for (const token of snapshot.tokens ?? []) {
    dump.tokens.push({ token: token.token, scope: token.scope, ...(token.instanceId === undefined ? {} : { instanceId: token.instanceId.toLowerCase() }) })
  }
  return dump
}

/** The store's records as a snapshot: nested, every field explicit, so a restore is exact. */
export function dumpToSnapshot (dump: StoreDump): Required<Snapshot> {
  const byOrg = <T extends { instanceId: string, orgId: string }>(records: T[]) => {
    const groups = new Map<string, T[]>()
    for (const record of records) {
      const key = `${record.instanceId}/${record.orgId}`
      const group = groups.get(key)
      if (group === undefined) groups.set(key, [record])
      else group.push(record)
    }
    return (instanceId: string, orgId: string) => groups.get(`${instanceId}/${orgId}`) ?? []
  }
  const invitesOf = byOrg(dump.invites)
  const membersOf = byOrg(dump.members)
  return {
    instances: dump.instances.map((instance) => ({
      id: instance.id,
      name: instance.name,
      orgs: dump.orgs.filter((org) => org.instanceId === instance.id).map((org) => ({
        id: org.id,
        name: org.name,
        invites: invitesOf(instance.id, org.id).map(({ instanceId: _i, orgId: _o, inviteDate, ...rest }) => ({
          ...rest,
          inviteDate: new Date(inviteDate).toISOString()
        })),
        members: membersOf(instance.id, org.id).map(({ email, role }) => ({ email, role }))
      }))
    })),
    tokens: dump.tokens.map((token) => ({ ...token }))
  }
}

/** Reads and validates a seed file; every problem names the file. */
export function loadSeedFile (path: string): Snapshot {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as { code?: string }).code
    throw new SnapshotError(`seed file ${path}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`)
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new SnapshotError(`seed file ${path}: not valid JSON (${(error as Error).message})`)
  }
  try {
    return validateSnapshot(value)
  } catch (error) {
    throw new SnapshotError(`seed file ${path}: ${(error as Error).message}`)
  }
}
