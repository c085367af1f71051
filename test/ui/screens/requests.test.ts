import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { describe, test } from 'node:test'
import { promisify } from 'node:util'
import type { Page } from 'playwright-core'
import { assertAccessible, INSTANCE_ID, losantClient, openUi, ORG_ID, seedWith, useBrowser, waitForText, waitUntil } from '../support.js'

/**
 * Runs a copied command as a user would paste it, in sh (curl, from the system: CI installs
 * it, .ci/run); `-s -o /dev/null -w '%{http_code}'` after it prints only the status.
 */
async function runCurl (command: string, env: Record<string, string>): Promise<{ status: string, stderr: string, code: number }> {
  try {
    const { stdout, stderr } = await promisify(execFile)('sh', ['-c', `${command} -s -o /dev/null -w '%{http_code}'`], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, timeout: 20_000 })
    return { status: stdout, stderr, code: 0 }
  } catch (error) {
    const failed = error as { stdout?: string, stderr?: string, code?: number }
    return { status: failed.stdout ?? '', stderr: failed.stderr ?? '', code: failed.code ?? -1 }
  }
}

/** Opens the entry and copies it as curl, through the clipboard. */
async function copyAsCurl (page: Page, request: string, nth: 'first' | 'last' = 'last'): Promise<string> {
  const buttons = page.getByRole('button', { name: request, exact: true })
  await (nth === 'first' ? buttons.first() : buttons.last()).click()
  const details = page.getByRole('region', { name: request })
  await details.getByRole('button', { name: 'Copy as curl' }).click()
  await waitForText(details.getByRole('status'), 'Copied')
  return await page.evaluate('navigator.clipboard.readText()') as string
}

const INVITES = `/instances/${INSTANCE_ID}/orgs/${ORG_ID}/invites`

describe('UI: request journal', () => {
  const browser = useBrowser()

  test('live: a request made with the client appears within a second, without a reload', async (t) => {
    const { emulator, page, uiUrl } = await openUi(t, browser(), { seed: seedWith() })
    const client = await losantClient(emulator)
    await page.goto(`${uiUrl}#/requests`)
    await waitForText(page.getByRole('status').filter({ hasText: 'Live' }), 'Live: new requests appear as they arrive.')
    const latencies: number[] = []
    for (const email of ['ann@example.com', 'bob@example.com', 'cy@example.com']) {
      await client.postInvite(INSTANCE_ID, ORG_ID, { email, role: 'view' })
      const answered = Date.now()
      await page.getByRole('cell').filter({ hasText: `POST ${INVITES}` }).nth(latencies.length).waitFor({ timeout: 1000 })
      latencies.push(Date.now() - answered)
    }
    t.diagnostic(`a request showed in the journal ${latencies.join(', ')} ms after the client had its answer`)
    await client.listInvites(INSTANCE_ID, ORG_ID)
    await waitForText(page.getByRole('table'), '4 requests, newest first', 1000)
    const firstRow = page.getByRole('row').nth(1)
    assert.ok((await firstRow.innerText()).includes(`GET ${INVITES}`), 'newest first')
    await assertAccessible(page, 'requests')
  })

  test('filters by method, path, status and org; a row opens the whole entry, copied as curl; clear', async (t) => {
    const { emulator, page, uiUrl } = await openUi(t, browser(), { seed: seedWith() }, { permissions: ['clipboard-read', 'clipboard-write'] })
    const client = await losantClient(emulator)
    await client.postInvite(INSTANCE_ID, ORG_ID, { email: 'ann@example.com', role: 'view' })
    await client.postInvite(INSTANCE_ID, ORG_ID, { email: 'not an email', role: 'view' }).catch(() => {})
    await client.listInvites(INSTANCE_ID, ORG_ID)
    await fetch(`${emulator.url}/nope`)
    await page.goto(`${uiUrl}#/requests`)
    await waitForText(page.getByRole('table'), '4 requests')

    const filters = page.getByRole('form', { name: 'Filter requests' })
    await filters.getByLabel('Method').selectOption('POST')
    await filters.getByRole('button', { name: 'Filter' }).click()
    await waitForText(page.getByRole('table'), '2 requests')
    await filters.getByLabel('Status').fill('4xx')
    await filters.getByRole('button', { name: 'Filter' }).click()
    await waitForText(page.getByRole('table'), '1 request,')
    assert.deepEqual(Object.fromEntries(new URLSearchParams(new URL(page.url()).hash.split('?')[1])), { method: 'POST', status: '4xx' })
    await page.goto(`${uiUrl}#/requests?path=${encodeURIComponent('/instances/*')}&orgId=${ORG_ID}`)
    await waitForText(page.getByRole('table'), '3 requests')

    await page.getByRole('button', { name: `POST ${INVITES}` }).last().click()
    const details = page.getByRole('region', { name: `POST ${INVITES}` })
    const text = await waitForText(details, '"authorization": "Bearer [redacted]"')
    assert.ok(text.includes('"email": "ann@example.com"'), text)
    assert.ok(text.includes('Tokenscope all.Instance'), text)
    assert.ok(text.includes('Status201'), text)
    await assertAccessible(page, 'requests, details open')

    await details.getByRole('button', { name: 'Copy as curl' }).click()
    await waitForText(details.getByRole('status'), 'Copied')
    const curl = await page.evaluate('navigator.clipboard.readText()') as string
    // The token is not in the journal: the command reads it from $TOKEN, and says so when it is not set.
    assert.equal(curl, `curl -X POST '${emulator.url}${INVITES}?_actions=false&_links=true&_embedded=true' ` +
      // eslint-disable-next-line no-template-curly-in-string -- shell syntax, not a template
      '-H \'accept: application/json\' -H \'content-type: application/json\' -H \'accept-version: ^1.20.1\' -H \'authorization: Bearer \'"${TOKEN:?set TOKEN to a Losant bearer token}" --data-raw \'{"email":"ann@example.com","role":"view"}\'')
    assert.ok((await details.innerText()).includes('the command reads $TOKEN (a Losant bearer token)'))

    await page.getByRole('button', { name: 'Clear matching requests' }).click()
    await waitForText(page.getByRole('status').filter({ hasText: 'removed' }), '3 requests removed from the journal.')
    assert.deepEqual((await emulator.requests()).map((e) => e.path), ['/nope'])
  })

  test('when the stream cannot be opened, it polls: new requests still show without a reload', async (t) => {
    const { emulator, page, uiUrl } = await openUi(t, browser(), { seed: seedWith() })
    await page.route('**/requests/stream?**', async (route) => await route.abort())
    const client = await losantClient(emulator)
    await page.goto(`${uiUrl}#/requests`)
    await waitForText(page.getByRole('status').filter({ hasText: 'Polling' }), 'Polling every second: the live stream could not be opened.')
    await client.postInvite(INSTANCE_ID, ORG_ID, { email: 'ann@example.com', role: 'view' })
    await page.getByRole('cell').filter({ hasText: `POST ${INVITES}` }).waitFor({ timeout: 3000 })
    // Once the stream can be opened again, it is live again.
    await page.unroute('**/requests/stream?**')
    await waitForText(page.getByRole('status').filter({ hasText: 'Live' }), 'Live', 10_000)
    await client.listInvites(INSTANCE_ID, ORG_ID)
    await page.getByRole('cell').filter({ hasText: `GET ${INVITES}` }).waitFor({ timeout: 1000 })
    await waitForText(page.getByRole('table'), '2 requests')
  })

  test('copy as curl: the command runs as is once $TOKEN (or $INVITE_TOKEN) is set, and gets the same status', async (t) => {
    const { emulator, page, uiUrl } = await openUi(t, browser(), { seed: seedWith() }, { permissions: ['clipboard-read', 'clipboard-write'] })
    const { token } = await emulator.mintToken({ scope: ['all.Instance'] })
    const { token: reader } = await emulator.mintToken({ scope: ['instanceOrgInvites.get'] })
    const call = async (path: string, init: RequestInit = {}): Promise<number> => (await fetch(`${emulator.url}${path}`, init)).status
    const statuses = {
      post: await call(INVITES, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"email":"ann@example.com","role":"view"}' }),
      refused: await call(INVITES, { method: 'POST', headers: { authorization: `Bearer ${reader}`, 'content-type': 'application/json' }, body: '{"email":"bob@example.com","role":"view"}' }),
      query: await call(`${INVITES}?access_token=${reader}&sortField=email`)
    }
    const [message] = await emulator.outbox()
    statuses.query = await call(`${INVITES}?access_token=${reader}&sortField=email`)
    const lookup = await call(`/invites?email=ann@example.com&token=${message!.token}`)
    assert.deepEqual([statuses.post, statuses.refused, statuses.query, lookup], [201, 403, 200, 200])
    await page.goto(`${uiUrl}#/requests`)
    await waitForText(page.getByRole('table'), '5 requests')

    const post = await copyAsCurl(page, `POST ${INVITES}`, 'last')
    const refused = await copyAsCurl(page, `POST ${INVITES}`, 'first')
    const query = await copyAsCurl(page, `GET ${INVITES}`, 'first')
    const invitee = await copyAsCurl(page, 'GET /invites', 'first')
    assert.ok(query.includes("access_token='\"${TOKEN:?"), query)
    assert.ok(invitee.includes("token='\"${INVITE_TOKEN:?"), invitee)

    // Each run as pasted, with the variable the command names, gets the status the original got.
    // (The invitee's first: the POST's replay re-invites ann, which gives her invite a new token.)
    assert.equal((await runCurl(invitee, { INVITE_TOKEN: message!.token })).status, '200')
    assert.equal((await runCurl(query, { TOKEN: reader })).status, '200')
    assert.equal((await runCurl(refused, { TOKEN: reader })).status, '403')
    assert.equal((await runCurl(post, { TOKEN: token })).status, '201')
    // The replays are requests like any other: journaled with those statuses.
    const replayed = (await emulator.requests({ limit: 4 })).map((entry) => [entry.method, entry.path, entry.status])
    assert.deepEqual(replayed, [['POST', INVITES, 201], ['POST', INVITES, 403], ['GET', INVITES, 200], ['GET', '/invites', 200]])
    // Without the variable, the shell stops before sending anything, and says which to set.
    const unset = await runCurl(post, {})
    assert.notEqual(unset.code, 0)
    assert.match(unset.stderr, /TOKEN: set TOKEN to a Losant bearer token/)
    assert.equal((await emulator.requests()).length, 9, 'nothing sent')
  })

  test('search by text, filter by instance; the UI\'s own requests are left out unless shown, then marked', async (t) => {
    const other = 'aaaaaaaaaaaaaaaaaaaaaaaa'
    const { emulator, page, uiUrl } = await openUi(t, browser(), {
      seed: { instances: [{ id: INSTANCE_ID, name: 'Dev', orgs: [{ id: ORG_ID, name: 'Acme' }] }, { id: other, name: 'Staging', orgs: [{ id: 'bbbbbbbbbbbbbbbbbbbbbbbb', name: 'Beta' }] }] }
    })
    await page.goto(`${uiUrl}#/requests`)
    await waitForText(page.getByRole('main'), 'No requests yet. What your app sends to the Losant paths')
    await assertAccessible(page, 'requests, empty')
    const client = await losantClient(emulator)
    await client.postInvite(INSTANCE_ID, ORG_ID, { email: 'ann@example.com', role: 'view' })
    await client.postInvite(INSTANCE_ID, ORG_ID, { email: 'bob@example.com', role: 'edit' })
    await client.listInvites(other, 'bbbbbbbbbbbbbbbbbbbbbbbb')
    await waitForText(page.getByRole('table'), '3 requests')

    const filters = page.getByRole('form', { name: 'Filter requests' })
    await filters.getByLabel('Search').fill('BOB@example')
    await filters.getByRole('button', { name: 'Filter' }).click()
    await waitForText(page.getByRole('table'), '1 request,')
    assert.ok((await page.getByRole('table').getByRole('row').nth(1).innerText()).includes(`POST ${INVITES}`))
    await filters.getByLabel('Search').fill('')
    await filters.getByLabel('Instance').selectOption({ label: 'Staging' })
    await filters.getByRole('button', { name: 'Filter' }).click()
    await waitForText(page.getByRole('table'), '1 request,')
    assert.equal(Object.fromEntries(new URLSearchParams(new URL(page.url()).hash.split('?')[1])).instanceId, other)
    assert.deepEqual((await emulator.requests({ instanceId: other })).length, 1)
    await filters.getByLabel('Instance').selectOption({ label: 'Any' })
    await filters.getByRole('button', { name: 'Filter' }).click()
    await waitForText(page.getByRole('table'), '3 requests')

    // The UI's own calls (an invite made from its Invites screen) are not journaled by default...
    await page.goto(`${uiUrl}#/orgs/${INSTANCE_ID}/${ORG_ID}`)
    const form = page.getByRole('form', { name: 'Invite someone' })
    await form.getByLabel('Email').fill('cy@example.com')
    await form.getByRole('button', { name: 'Invite' }).click()
    await waitForText(form.getByRole('status'), 'Invited cy@example.com')
    assert.equal((await emulator.requests()).length, 3)
    // ...until asked: then they are, marked as the UI's.
    await page.goto(`${uiUrl}#/requests`)
    await waitForText(page.getByRole('table'), '3 requests')
    await page.getByLabel(/^Show the UI's own requests/).check()
    await waitForText(page.getByRole('status').filter({ hasText: 'journaled from now on' }), 'The UI\'s own requests are journaled from now on, marked UI.')
    await page.goto(`${uiUrl}#/orgs/${INSTANCE_ID}/${ORG_ID}`)
    await form.getByLabel('Email').fill('dee@example.com')
    await form.getByRole('button', { name: 'Invite' }).click()
    await waitForText(form.getByRole('status'), 'Invited dee@example.com')
    const [uiPost] = await emulator.requests({ method: 'POST' })
    assert.deepEqual([uiPost!.client, uiPost!.body], ['ui', { email: 'dee@example.com', role: 'view' }])
    await page.goto(`${uiUrl}#/requests`)
    const row = page.getByRole('row').filter({ hasText: 'UI' }).filter({ hasText: `POST ${INVITES}` })
    await row.first().waitFor()
    await assertAccessible(page, 'requests, the UI\'s own shown')
    await page.getByLabel(/^Show the UI's own requests/).uncheck()
    await waitForText(page.getByRole('status').filter({ hasText: 'left out' }), 'left out of the journal again')
    assert.equal(await row.count(), 0, 'hidden again')
    assert.deepEqual(await (await fetch(`${emulator.url}/_emulator/requests/settings`)).json(), { recordUi: false })
  })

  test('an entry too long for its boxes: they scroll, and the keyboard reaches them (axe)', async (t) => {
    const { emulator, page, uiUrl } = await openUi(t, browser(), { seed: seedWith() })
    const headers: Record<string, string> = {}
    for (let i = 0; i < 60; i++) headers[`x-header-${i}`] = `value ${i}`
    await fetch(`${emulator.url}${INVITES}`, { headers })
    await page.goto(`${uiUrl}#/requests`)
    await page.getByRole('button', { name: `GET ${INVITES}` }).click()
    const box = page.getByRole('group', { name: 'Headers' })
    await waitForText(box, 'x-header-59')
    assert.equal(await box.evaluate((element: { scrollHeight: number, clientHeight: number }) => element.scrollHeight > element.clientHeight), true, 'it scrolls')
    await box.focus()
    await page.keyboard.press('End')
    await waitUntil(page, 'document.activeElement.scrollTop > 0')
    await assertAccessible(page, 'requests, a long entry')
  })
})
