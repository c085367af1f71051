import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { isDeepStrictEqual } from 'node:util'
import type { FastifyInstance } from 'fastify'
import { buildWorld, mintToken, type World } from '../helper.js'

/**
 * The scope matrix, written by hand from the contract (restated in README.md's table of the Losant API),
 * never read from src/: the status each action answers a token with just these scopes.
 * A row is the scopes, then the statuses of
 *   list (GET invites), invite (POST invites), read (GET one invite),
 *   delete (DELETE one invite), resend (POST one invite).
 * Every scope the contract names, then near-misses that must match nothing: scope names
 * are plain strings compared exactly (`instanceOrgInvites.*` is a name, not a wildcard).
 */
type Row<Cell = number> = readonly [scopes: string | readonly string[], list: Cell, invite: Cell, read: Cell, remove: Cell, resend: Cell]
const MATRIX: readonly Row[] = [
  ['all.Instance', 200, 201, 200, 200, 201],
  ['all.Instance.bounded', 200, 403, 200, 403, 403],
  ['all.Instance.read', 200, 403, 200, 403, 403],
  ['all.User', 200, 201, 200, 200, 201],
  ['all.User.bounded', 200, 403, 200, 403, 403],
  ['all.User.read', 200, 403, 200, 403, 403],
  ['instanceOrgInvites.*', 200, 201, 403, 403, 403],
  ['instanceOrgInvites.get', 200, 403, 403, 403, 403],
  ['instanceOrgInvites.post', 403, 201, 403, 403, 403],
  ['instanceOrgInvite.*', 403, 403, 200, 200, 201],
  ['instanceOrgInvite.get', 403, 403, 200, 403, 403],
  ['instanceOrgInvite.delete', 403, 403, 403, 200, 403],
  ['instanceOrgInvite.resendInvite', 403, 403, 403, 403, 201],
  // Near-misses: case, a missing or extra part, another resource's action, wildcards.
  ['all.instance', 403, 403, 403, 403, 403],
  ['ALL.INSTANCE', 403, 403, 403, 403, 403],
  ['all.user', 403, 403, 403, 403, 403],
  ['all.Instance.write', 403, 403, 403, 403, 403],
  ['all', 403, 403, 403, 403, 403],
  ['*', 403, 403, 403, 403, 403],
  ['all.*', 403, 403, 403, 403, 403],
  ['instanceOrgInvites', 403, 403, 403, 403, 403],
  ['instanceOrgInvite', 403, 403, 403, 403, 403],
  ['instanceOrgInvites.delete', 403, 403, 403, 403, 403],
  ['instanceOrgInvites.resendInvite', 403, 403, 403, 403, 403],
  ['instanceOrgInvite.post', 403, 403, 403, 403, 403],
  ['instanceOrgInvites.GET', 403, 403, 403, 403, 403],
  ['orgInvites.*', 403, 403, 403, 403, 403],
  ['all.Organization', 403, 403, 403, 403, 403],
  ['devices.get', 403, 403, 403, 403, 403],
  // Any one accepted scope is enough.
  [['devices.get', 'instanceOrgInvite.delete'], 403, 403, 403, 200, 403],
  [['all.Instance.read', 'instanceOrgInvites.post'], 200, 201, 200, 403, 403]
]

const FORBIDDEN = { type: 'Forbidden', message: 'Access is forbidden' }
const NOT_FOUND = { type: 'NotFound', message: 'Invite was not found' }

interface Answer { status: number, body: any }
/** Sends one request to the emulator with a bearer token; `path` is the Losant path. */
type Send = (method: 'GET' | 'POST' | 'DELETE', path: string, token: string, body?: object) => Promise<Answer>

/**
 * A cell as seen: the status alone when the body agrees with it (403: exactly Forbidden's)
 * and so does what is stored afterwards (`effect`: whether the write shows), else the
 * status with what disagrees.
 */
function seen (answer: Answer, bodyWhenAllowed: boolean, effect = answer.status !== 403): number | string {
  const allowed = answer.status !== 403
  const wrong: string[] = []
  if (allowed ? !bodyWhenAllowed : !isDeepStrictEqual(answer.body, FORBIDDEN)) wrong.push(`body ${JSON.stringify(answer.body)}`)
  if (effect !== allowed) wrong.push(allowed ? 'not stored' : 'stored anyway')
  return wrong.length === 0 ? answer.status : `${answer.status}: ${wrong.join(', ')}`
}

/**
 * Runs every cell of the matrix through `send` and answers the matrix as seen; what is
 * stored is read back with an `all.Instance` token: a refused write changes nothing.
 */
async function seenMatrix (world: World, send: Send): Promise<Array<Row<number | string>>> {
  const admin = world.token
  const invitePath = (id: string) => `${world.invitesPath}/${id}`
  const createInvite = async (email: string): Promise<string> => {
    const created = await send('POST', world.invitesPath, admin, { email, role: 'view' })
    assert.equal(created.status, 201, `creating ${email}`)
    return created.body.items.find((item: any) => item.email === email).id
  }
  const rows: Array<Row<number | string>> = []
  for (const [row, [scopes]] of MATRIX.entries()) {
    const token = await mintToken(world.app, typeof scopes === 'string' ? [scopes] : [...scopes])

    const listed = await send('GET', world.invitesPath, token)
    const list = seen(listed, listed.body._type === 'instanceOrgInvites' && listed.body.orgId === world.orgId)

    const email = `row${row}-invite@example.com`
    const posted = await send('POST', world.invitesPath, token, { email, role: 'view' })
    const stored = await send('GET', `${world.invitesPath}?filterField=email&filter=${encodeURIComponent(email)}`, admin)
    const invite = seen(posted, posted.body.items?.some((item: any) => item.email === email) === true, stored.body.count === 1)

    const readId = await createInvite(`row${row}-read@example.com`)
    const got = await send('GET', invitePath(readId), token)
    const read = seen(got, got.body.id === readId)

    const removeId = await createInvite(`row${row}-delete@example.com`)
    const deleted = await send('DELETE', invitePath(removeId), token)
    const afterDelete = await send('GET', invitePath(removeId), admin)
    const remove = seen(deleted, isDeepStrictEqual(deleted.body, { success: true }), isDeepStrictEqual(afterDelete, { status: 404, body: NOT_FOUND }))

    const resendId = await createInvite(`row${row}-resend@example.com`)
    const resent = await send('POST', invitePath(resendId), token, { role: 'edit' })
    const afterResend = await send('GET', invitePath(resendId), admin)
    const resend = seen(resent, resent.body.id === resendId && resent.body.role === 'edit', afterResend.body.role === 'edit')

    rows.push([scopes, list, invite, read, remove, resend])
  }
  return rows
}

/** A row on one line, so that a failure shows whole rows. */
function rowLine ([scopes, list, invite, read, remove, resend]: Row<number | string>): string {
  return `${String(scopes)}: list ${list}, invite ${invite}, read ${read}, delete ${remove}, resend ${resend}`
}

/** A listening server on a free loopback port (closed with the app, by buildWorld). */
async function listen (app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('not listening on a port')
  return `http://127.0.0.1:${address.port}`
}

describe('scopes: every action against the contract\'s matrix', () => {
  test('through the pipeline (inject)', async (t) => {
    const world = await buildWorld(t)
    const seenRows = await seenMatrix(world, async (method, url, token, body) => {
      const response = await world.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(body === undefined ? {} : { payload: body }) })
      return { status: response.statusCode, body: response.json() }
    })
    assert.deepEqual(seenRows.map(rowLine), MATRIX.map(rowLine))
  })

  test('over HTTP on a listening server, sent as the official client sends it', async (t) => {
    const world = await buildWorld(t)
    const base = await listen(world.app)
    const seenRows = await seenMatrix(world, async (method, path, token, body) => {
      // What losant-rest's generated methods add to every call (contract README); fetch,
      // not the client, because the client answers only the body and 200 and 201 both count.
      const url = new URL(path, base)
      for (const [name, value] of Object.entries({ _actions: 'false', _links: 'true', _embedded: 'true' })) url.searchParams.set(name, value)
      const response = await fetch(url, {
        method,
        headers: {
          accept: 'application/json',
          'accept-version': '^1.30.0',
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' })
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) })
      })
      return { status: response.status, body: await response.json() }
    })
    assert.deepEqual(seenRows.map(rowLine), MATRIX.map(rowLine))
  })
})
