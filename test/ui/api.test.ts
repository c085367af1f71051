import assert from 'node:assert/strict'
import { createServer, request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, test, type TestContext } from 'node:test'
import { INSTANCE_ID, losantClient, openUi, ORG_ID, seedWith, useBrowser, waitForText } from './support.js'

/**
 * A reverse proxy as a user would put in front: `/emulator/<path>` goes to the emulator
 * as `/<path>`, streamed both ways (server-sent events too); anything else is a 404 and
 * is counted.
 */
async function startProxy (t: TestContext, target: string): Promise<{ url: string, outside: string[] }> {
  const upstream = new URL(target)
  const outside: string[] = []
  const server: Server = createServer((incoming, outgoing) => {
    const url = incoming.url ?? '/'
    if (!url.startsWith('/emulator/')) {
      outside.push(url)
      outgoing.writeHead(404).end()
      return
    }
    const forwarded = httpRequest({
      host: upstream.hostname,
      port: upstream.port,
      method: incoming.method,
      path: url.slice('/emulator'.length),
      headers: { ...incoming.headers, host: upstream.host }
    }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(outgoing)
    })
    forwarded.on('error', () => outgoing.destroy())
    outgoing.on('close', () => forwarded.destroy())
    incoming.pipe(forwarded)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  // Closed below; unref'd too, as the hook may not run when an earlier one failed the test.
  server.unref()
  t.after(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/emulator/`, outside }
}

describe('UI: every URL relative, so it works behind a proxy under a path prefix', () => {
  const browser = useBrowser()

  test('from the prefix\'s root to each screen\'s action, and nothing asked outside the prefix', async (t) => {
    const session = await openUi(t, browser(), { seed: seedWith() })
    const { emulator, page } = session
    const proxy = await startProxy(t, emulator.url)
    session.allowedPrefix = proxy.url

    await page.goto(proxy.url)
    assert.equal(page.url(), `${proxy.url}_emulator/ui/`)
    await waitForText(page.getByRole('main'), 'Instances1')

    await page.getByRole('link', { name: 'Instances and orgs' }).click()
    await page.getByRole('link', { name: 'Acme' }).click()
    const form = page.getByRole('form', { name: 'Invite someone' })
    await form.getByLabel('Email').fill('ann@example.com')
    await form.getByRole('button', { name: 'Invite' }).click()
    await waitForText(form.getByRole('status'), 'Invited ann@example.com')
    assert.deepEqual((await (await losantClient(emulator)).listInvites(INSTANCE_ID, ORG_ID)).items.map((i) => i.email), ['ann@example.com'])

    await page.getByRole('link', { name: 'Outbox' }).click()
    await page.getByRole('button', { name: /^View the invite to ann@example.com/ }).click()
    await waitForText(page.getByRole('listitem').getByRole('status'), '200: an invite to Acme')

    await page.getByRole('link', { name: 'Requests' }).click()
    await waitForText(page.getByRole('status').filter({ hasText: 'Live' }), 'Live')
    await (await losantClient(emulator)).listInvites(INSTANCE_ID, ORG_ID)
    await page.getByRole('cell').filter({ hasText: `GET /instances/${INSTANCE_ID}` }).first().waitFor({ timeout: 1000 })
    await page.getByRole('button', { name: `GET /instances/${INSTANCE_ID}/orgs/${ORG_ID}/invites` }).first().click()
    await waitForText(page.getByRole('region'), `curl '${proxy.url}instances/${INSTANCE_ID}/orgs/${ORG_ID}/invites?`)

    assert.deepEqual(proxy.outside, [])
    assert.ok(session.requested.some((url) => url.startsWith(`${proxy.url}_emulator/requests/stream`)), 'the stream went through the proxy')
  })
})
