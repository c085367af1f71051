import type { Static } from '@sinclair/typebox'
import type { InstanceSchema, InstanceWithOrgs, OrgSchema } from '../schemas/control.js'
import { control } from './api.js'

export type Instance = Static<typeof InstanceSchema>
export type Org = Static<typeof OrgSchema>
/** An entry of GET /_emulator/instances: with its orgs and their counts. */
export type { InstanceWithOrgs }

export async function listInstances (): Promise<InstanceWithOrgs[]> {
  return await control<InstanceWithOrgs[]>('instances')
}

/** `1 invite`, `3 members`. */
export function count (n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`
}
