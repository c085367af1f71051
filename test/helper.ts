import type { TestContext } from 'node:test'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { buildApp, type AppOptions } from '../src/app.js'

export const ALL_SCOPES = ['all.Instance']

/** A fresh app per test, closed when the test ends. */
export async function buildTestApp (t: TestContext, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = await buildApp(options)
  t.after(() => app.close())
  return app
}

export interface World {
  app: FastifyInstance
  instanceId: string
  orgId: string
  token: string
  /** `/instances/{instanceId}/orgs/{orgId}/invites` */
  invitesPath: string
  auth: { authorization: string }
}

/** An app with one instance, one org and a token with `all.Instance`. */
export async function buildWorld (t: TestContext, options: AppOptions = {}): Promise<World> {
  const app = await buildTestApp(t, options)
  const instanceId = (await createInstance(app)).id
  const orgId = (await createOrg(app, instanceId)).id
  const token = await mintToken(app, ALL_SCOPES)
  return { app, instanceId, orgId, token, invitesPath: `/instances/${instanceId}/orgs/${orgId}/invites`, auth: { authorization: `Bearer ${token}` } }
}

export async function createInstance (app: FastifyInstance, body: Record<string, unknown> = {}): Promise<{ id: string, name: string }> {
  return expectStatus(await app.inject({ method: 'POST', url: '/_emulator/instances', payload: body }), 201).json()
}

export async function createOrg (app: FastifyInstance, instanceId: string, body: Record<string, unknown> = {}): Promise<{ id: string, name: string }> {
  return expectStatus(await app.inject({ method: 'POST', url: `/_emulator/instances/${instanceId}/orgs`, payload: body }), 201).json()
}

export async function mintToken (app: FastifyInstance, scope: string[], extra: Record<string, unknown> = {}): Promise<string> {
  return expectStatus(await app.inject({ method: 'POST', url: '/_emulator/tokens', payload: { scope, ...extra } }), 201).json().token
}

export async function postInvite (world: World, invite: Record<string, unknown>): Promise<LightMyRequestResponse> {
  return await world.app.inject({ method: 'POST', url: world.invitesPath, headers: world.auth, payload: invite })
}

export function expectStatus (response: LightMyRequestResponse, status: number): LightMyRequestResponse {
  if (response.statusCode !== status) {
    throw new Error(`expected ${status}, got ${response.statusCode}: ${response.body}`)
  }
  return response
}
