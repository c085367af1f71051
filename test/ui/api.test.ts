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

    await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Instances and orgs' }).click()
    await page.getByRole('link', { name: 'Acme' }).click()
    const form = page.getByRole('form', { name: 'Invite someone' })
    await form.getByLabel('Email').fill('ann@example.com')
    await form.getByRole('button', { name: 'Invite' }).click()
    await waitForText(form.getByRole('status'), 'Invited ann@example.com')
    assert.deepEqual((await (await losantClient(emulator)).listInvites(INSTANCE_ID, ORG_ID)).items.map((i) => i.email), ['ann@example.com'])

    await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Outbox' }).click()
    await page.getByRole('button', { name: /^View the invite to ann@example.com/ }).click()
    await waitForText(page.getByRole('listitem').getByRole('status').filter({ hasText: '200' }), '200: an invite to Acme')

    await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Requests' }).click()
    await waitForText(page.getByRole('status').filter({ hasText: 'Live' }), 'Live')
    await (await losantClient(emulator)).listInvites(INSTANCE_ID, ORG_ID)
    await page.getByRole('cell').filter({ hasText: `GET /instances/${INSTANCE_ID}` }).first().waitFor({ timeout: 1000 })
    await page.getByRole('button', { name: `GET /instances/${INSTANCE_ID}/orgs/${ORG_ID}/invites` }).first().click()
    await waitForText(page.getByRole('region'), `curl '${proxy.url}instances/${INSTANCE_ID}/orgs/${ORG_ID}/invites?`)

    assert.deepEqual(proxy.outside, [])
    assert.ok(session.requested.some((url) => url.startsWith(`${proxy.url}_emulator/requests/stream`)), 'the stream went through the proxy')
    assert.ok(session.requested.some((url) => url.startsWith(`${proxy.url}_emulator/changes/stream`)), 'the changes too')
  })

  test('the API docs page, from the UI\'s link, loads behind the prefix and tries requests through it', async (t) => {
    const session = await openUi(t, browser(), { seed: seedWith() })
    const { emulator, page } = session
    const proxy = await startProxy(t, emulator.url)
    session.allowedPrefix = proxy.url
    await page.goto(`${proxy.url}_emulator/ui/`)
    await page.getByRole('link', { name: 'API docs' }).click()
    await page.getByRole('heading', { name: /Losant invites emulator/ }).first().waitFor()
    assert.equal(page.url(), `${proxy.url}_emulator/docs/`)
    // "Try it out" on the health check: its request goes through the prefix too.
    await page.getByRole('button', { name: /GET \/_emulator\/health/ }).first().click()
    await page.getByRole('button', { name: 'Try it out' }).click()
    await page.getByRole('button', { name: 'Execute' }).click()
    await page.getByText('"status": "ok"').first().waitFor()
    assert.deepEqual(proxy.outside, [])
    assert.ok(session.requested.includes(`${proxy.url}_emulator/health`), session.requested.join('\n'))
  })
})

describe('UI: its own requests never disturb the harness it shows', () => {
  const browser = useBrowser()

  test('after using every screen, a fault on * is left whole and the journal holds none of the UI\'s requests; the app\'s next call gets the fault', async (t) => {
    const session = await openUi(t, browser(), {
      seed: seedWith([{ email: 'ann@example.com', role: 'view' }, { email: 'bob@example.com', role: 'edit' }, { email: 'cy@example.com', role: 'admin' }])
    }, { permissions: ['clipboard-read', 'clipboard-write'] })
    const { emulator, page, uiUrl } = session
    // A fault meant for the app under test: any method, any path, twice.
    await emulator.addFault({ path: '*', status: 503, times: 2 })

    await page.goto(uiUrl)
    await waitForText(page.getByRole('main'), 'Invites3')
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Instances and orgs' }).click()
    await page.getByRole('link', { name: 'Acme' }).click()
    await page.getByRole('table', { name: '3 invites', exact: true }).waitFor()
    const form = page.getByRole('form', { name: 'Invite someone' })
    await form.getByLabel('Email').fill('dee@example.com')
    await form.getByRole('button', { name: 'Invite' }).click()
    await waitForText(form.getByRole('status'), 'Invited dee@example.com')
    await page.getByRole('button', { name: 'Resend the invite to ann@example.com' }).click()
    await waitForText(page.getByRole('status').filter({ hasText: 'sent again' }), 'sent again')
    await page.getByRole('button', { name: 'Delete the invite to bob@example.com' }).click()
    await page.getByRole('dialog').getByRole('button', { name: 'Delete invite' }).click()
    await waitForText(page.getByRole('status').filter({ hasText: 'deleted' }), 'deleted')
    await page.getByRole('button', { name: 'cy@example.com', exact: true }).click()
    await page.getByRole('region', { name: 'Invite to cy@example.com' }).waitFor()
    await page.getByRole('link', { name: 'Last page' }).count()

    await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Outbox' }).click()
    const dee = page.getByRole('listitem').filter({ hasText: 'Invitation to dee@example.com' })
    await dee.getByRole('button', { name: /^View the invite/ }).click()
    await waitForText(dee.getByRole('status').filter({ hasText: '200' }), '200: an invite to Acme')
    const ann = page.getByRole('listitem').filter({ hasText: 'Invitation to ann@example.com' })
    await ann.getByRole('button', { name: /^Copy accept link/ }).click()
    const link = await page.evaluate('navigator.clipboard.readText()') as string
    await ann.getByRole('button', { name: /^Reject the invite/ }).click()
    await waitForText(ann.getByRole('status').filter({ hasText: 'rejected' }), '200: rejected')
    await page.goto(link)
    await waitForText(page.getByRole('alert'), '404 NotFound')
    await page.goto(`${uiUrl}#/outbox`)
    await dee.getByRole('button', { name: /^Accept the invite/ }).click()
    await waitForText(dee.getByRole('status').filter({ hasText: 'accepted' }), '200: accepted')

    await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Requests' }).click()
    await waitForText(page.getByRole('main'), 'No requests yet')
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Faults and clock' }).click()
    await waitForText(page.getByRole('row').filter({ hasText: 'f1' }), '2 of 2')
    await page.getByRole('region', { name: 'Clock' }).getByRole('button', { name: 'Forward 1 hour' }).click()
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Tokens' }).click()
    await page.getByRole('button', { name: 'Mint token' }).click()
    await page.getByRole('region', { name: 'Your token' }).waitFor()
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Overview' }).click()
    await waitForText(page.getByRole('main'), 'Invites1')

    // Everything the screens did reached the emulator...
    const { token } = await emulator.mintToken({ scope: ['all.Instance'] })
    const snapshot = await emulator.snapshot()
    // (ann rejected, bob deleted, dee invited then accepted: cy is left.)
    assert.deepEqual(snapshot.instances[0]!.orgs![0]!.invites!.map((i) => i.email), ['cy@example.com'])
    assert.deepEqual(snapshot.instances[0]!.orgs![0]!.members, [{ email: 'dee@example.com', role: 'view' }])
    // ...yet the fault is whole, and the journal holds nothing.
    assert.deepEqual((await emulator.faults()).map((f) => [f.id, f.remaining]), [['f1', 2]])
    assert.deepEqual(await emulator.requests(), [])

    // The app's calls get it, and are journaled.
    const app = await fetch(`${emulator.url}/instances/${INSTANCE_ID}/orgs/${ORG_ID}/invites`, { headers: { authorization: `Bearer ${token}` } })
    assert.equal(app.status, 503)
    assert.deepEqual((await emulator.faults()).map((f) => f.remaining), [1])
    assert.deepEqual((await emulator.requests()).map((e) => [e.method, e.status, e.fault]), [['GET', 503, 'f1']])
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Requests' }).click()
    await waitForText(page.getByRole('table'), '1 request,')
  })
})
