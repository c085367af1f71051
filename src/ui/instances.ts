import type { Static } from '@sinclair/typebox'
import type { InstanceSchema, OrgSchema } from '../schemas/control.js'
import { control } from './api.js'

export type Instance = Static<typeof InstanceSchema>
export type Org = Static<typeof OrgSchema>
/** An entry of GET /_emulator/instances. */
export type InstanceWithOrgs = Instance & { orgs: Array<Pick<Org, 'id' | 'name'>> }

export async function listInstances (): Promise<InstanceWithOrgs[]> {
  return await control<InstanceWithOrgs[]>('instances')
}
