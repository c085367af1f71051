import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, test } from 'node:test'
import { buildApp } from '../src/app.js'
import { validateSnapshot } from '../src/snapshot.js'

/**
 * examples/ (the docker-compose example) stays in step with the seed format: its seed is
 * valid, its static token lists its invites, and the compose file and client name the
 * same token and ids. scripts/container-e2e.sh runs the same files in the built image.
 */
describe('examples', () => {
  const seed = validateSnapshot(JSON.parse(readFileSync('examples/seed.json', 'utf8')))
  const instance = seed.instances?.[0]
  const orgId = instance?.orgs?.[0]?.id
  const token = seed.tokens?.[0]?.token
  assert.ok(instance !== undefined && orgId !== undefined && token !== undefined, 'an instance, an org and a token')
  const instanceId = instance.id

  test('the seed\'s static token lists the seeded invites', async (t) => {
    const app = await buildApp({ seed })
    t.after(() => app.close())
    const response = await app.inject({
      method: 'GET',
      url: `/instances/${instanceId}/orgs/${orgId}/invites?sortField=email&sortDirection=asc`,
      headers: { authorization: `Bearer ${token}` }
    })
    assert.equal(response.statusCode, 200)
    assert.deepEqual(response.json().items.map((i: { email: string }) => i.email), ['ann@example.com', 'bob@example.com', 'cy@example.com'])
  })

  test('the compose client is answered at the URL the compose file gives it (the service name, as Host)', async (t) => {
    const compose = readFileSync('examples/docker-compose.yml', 'utf8')
    const url = new URL(/LOSANT_URL: (\S+)/.exec(compose)?.[1] ?? '')
    assert.equal(url.host, 'emulator:8080')
    const app = await buildApp({ seed })
    t.after(() => app.close())
    const response = await app.inject({
      method: 'GET',
      url: `/instances/${instanceId}/orgs/${orgId}/invites`,
      headers: { host: url.host, authorization: `Bearer ${token}` }
    })
    assert.equal(response.statusCode, 200, response.body)
  })

  test('the compose file and the client use the seed\'s token and ids', () => {
    for (const file of ['examples/docker-compose.yml', 'examples/list-invites.mjs']) {
      const text = readFileSync(file, 'utf8')
      for (const value of [token, instanceId, orgId]) assert.ok(text.includes(value), `${file} names ${value}`)
    }
    assert.match(readFileSync('examples/docker-compose.yml', 'utf8'), /condition: service_healthy/)
  })
})
