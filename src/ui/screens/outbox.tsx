import type { JSX } from 'preact'
import { useState } from 'preact/hooks'
import type { Static } from '@sinclair/typebox'
import type { OutboxMessageBody, OutboxState } from '../../schemas/control.js'
import type { OrgInviteAction, OrgInviteInfoSchema, OrgInviteResultSchema } from '../../schemas/orgInvites.js'
import { ApiError, control, publicApi } from '../api.js'
import { Button, CopyButton, describeError, Field, focusAfterRender, LoadState, OutcomeText, Preformatted, ScreenTitle, useAction, useConfirm, useLoad } from '../components.js'
import { dateTime } from '../format.js'
import { useRefreshOn } from '../live.js'
import { href, navigate } from '../router.js'

type OrgInviteInfo = Static<typeof OrgInviteInfoSchema>
type OrgInviteResult = Static<typeof OrgInviteResultSchema>

/** E-mails shown at first, and added by "Show more". */
const PAGE = 50

/** What each state means for the e-mail's links (README, the control plane's outbox). */
const STATE_TEXT: Record<OutboxState, { badge: string, kind: 'ok' | 'warn' | 'error', says: string }> = {
  pending: { badge: 'Pending', kind: 'ok', says: 'Its links work: the invite is waiting for an answer.' },
  expired: { badge: 'Expired', kind: 'warn', says: 'The invite has expired: its links answer 410 Invite has expired.' },
  replaced: { badge: 'Stale: a newer e-mail replaced it', kind: 'error', says: 'The invite was sent again (re-invited or resent) with a new token: these links answer 404; the newer e-mail\'s work.' },
  accepted: { badge: 'Stale: accepted', kind: 'error', says: 'The invite was accepted (the address is now a member): these links answer 404.' },
  gone: { badge: 'Stale: invite gone', kind: 'error', says: 'The invite was declined or deleted (or its organization was): these links answer 404.' }
}

/** The invitee's page for this e-mail, in this UI (screens/invitation.tsx), as a full URL to open or copy. */
function linkFor (message: OutboxMessageBody, answer: 'accept' | 'reject'): string {
  return new URL(href(['invite'], { email: message.to, token: message.token, answer }), location.href).href
}

/** The e-mail's text: what the real service's would say, in substance (the emulator sends no mail). */
function emailText (message: OutboxMessageBody, orgName: string, accept: string, reject: string): string {
  const role = message.role === undefined ? '' : ` with the role "${message.role}"`
  return [
    'Hello,',
    '',
    `You have been invited to join the organization ${orgName} on Losant${role}.`,
    '',
    `Accept the invitation: ${accept}`,
    `Decline it: ${reject}`
  ].join('\n')
}

/** The invite e-mails the real service would have sent, newest first, as e-mails; act on them as the invitee. */
export function OutboxScreen ({ query }: { query: URLSearchParams }): JSX.Element {
  const email = query.get('email') ?? ''
  const [limit, setLimit] = useState(PAGE)
  const messages = useLoad(async () => await control<OutboxMessageBody[]>('outbox', { query: { email, limit: limit + 1 } }), `${email}\n${limit}`)
  useRefreshOn(['data', 'clock'], messages.refresh)
  const empty = useAction()
  const [confirm, confirmDialog] = useConfirm()
  const all = messages.data ?? []
  // One more than shown is asked for: it says whether there are more.
  const list = all.slice(0, limit)
  const more = all.length > limit

  const onEmpty = async (): Promise<void> => {
    if (!await confirm('Empty the outbox? The e-mails go; the invites stay.', 'Empty the outbox')) return
    const ok = await empty.run(async () => {
      await control('outbox', { method: 'DELETE' })
      await messages.reload()
      return 'The outbox is empty.'
    })
    if (ok) focusAfterRender()
  }

  return (
    <section>
      <ScreenTitle>Outbox</ScreenTitle>
      <form
        key={email} class='filters' aria-label='Filter by address' onSubmit={(event) => {
          event.preventDefault()
          setLimit(PAGE)
          navigate(href(['outbox'], { email: String(new FormData(event.currentTarget).get('email') ?? '').trim() }))
        }}
      >
        <Field label='To address'><input type='search' name='email' defaultValue={email} autocomplete='off' /></Field>
        <div class='row'>
          <Button type='submit'>Filter</Button>
          {email !== '' && <a class='button plain' href={href(['outbox'])}>Show all</a>}
          {list.length > 0 && <Button variant='danger' busy={empty.busy} busyLabel='Emptying…' onClick={onEmpty}>Empty the outbox…</Button>}
        </div>
      </form>
      <OutcomeText outcome={empty.outcome} />
      <LoadState loaded={messages} what='the outbox' />
      {messages.data !== undefined && (
        <p class='muted' role='status'>
          {list.length} {list.length === 1 ? 'e-mail' : 'e-mails'}{email !== '' && ` to ${email}`}, newest first{more ? ` (the newest ${list.length})` : ''}.
        </p>
      )}
      {messages.data !== undefined && list.length === 0 && (
        <div class='empty'>
          <p>{email === '' ? 'No e-mails yet.' : `No e-mails to ${email}.`} Every invite sent leaves here the e-mail the real service would send: a new invite (<code>POST /instances/…/orgs/…/invites</code>), a re-invite to the same address, or a resend.</p>
          <p>Invite someone from an organization's page (<a href={href(['orgs'])}>Instances and orgs</a>), or let your app do it: the e-mail shows here at once.</p>
        </div>
      )}
      <ol class='messages'>
        {list.map((message) => <Message key={message.id} message={message} />)}
      </ol>
      {more && <Button onClick={() => setLimit((n) => n + PAGE)}>Show {PAGE} more</Button>}
      {confirmDialog}
    </section>
  )
}

/** One e-mail: as it would arrive, its links to open or copy, and what it can do now (the public /invites endpoints). */
function Message ({ message }: { message: OutboxMessageBody }): JSX.Element {
  const [answer, setAnswer] = useState<{ status: number, text: string }>()
  const action = useAction()
  const credentials = { email: message.to, token: message.token }
  const orgName = message.orgName ?? `(deleted organization ${message.orgId})`
  const state = STATE_TEXT[message.state]
  const accept = linkFor(message, 'accept')
  const reject = linkFor(message, 'reject')
  const run = async (work: () => Promise<{ status: number, text: string }>): Promise<void> => {
    await action.run(async () => {
      try {
        setAnswer(await work())
      } catch (error) {
        if (!(error instanceof ApiError) || error.status === 0) throw error
        setAnswer({ status: error.status, text: describeError(error) })
      }
    })
  }
  const view = async (): Promise<void> => await run(async () => {
    const info = await publicApi<OrgInviteInfo>('invites', { query: credentials })
    return { status: 200, text: `200: an invite to ${info.orgName} as ${info.role}, sent ${dateTime(info.inviteDate)}` }
  })
  const decide = async (acceptIt: boolean): Promise<void> => await run(async () => {
    const body: OrgInviteAction = { ...credentials, accept: acceptIt }
    const result = await publicApi<OrgInviteResult>('invites', { method: 'POST', body })
    return { status: 200, text: `200: ${result.accepted ? 'accepted' : 'rejected'}; the invite is gone${result.accepted ? ` and ${message.to} is a member of org ${result.orgId}` : ''}` }
  })
  const label = (verb: string): string => `${verb} the invite to ${message.to} sent ${dateTime(message.sentAt)}`
  const titleId = `message-${message.id}`
  return (
    <li class={`card message ${message.state === 'pending' ? '' : 'stale'}`} aria-labelledby={titleId}>
      <div class='row spread'>
        <h2 id={titleId}>Invitation to {message.to}</h2>
        <span class={`badge ${state.kind}`}>{state.badge}</span>
      </div>
      <dl class='facts headers'>
        <dt>To</dt><dd>{message.to}</dd>
        <dt>Subject</dt><dd>You are invited to join {orgName} on Losant</dd>
        <dt>Sent</dt><dd>{dateTime(message.sentAt)}</dd>
        <dt>Organization</dt><dd><a href={href(['orgs', message.instanceId, message.orgId])}>{orgName}</a></dd>
        <dt>Role</dt><dd>{message.role ?? 'not recorded'}</dd>
      </dl>
      <p class={`state ${state.kind}`}>{state.says}</p>
      <Preformatted label={`The e-mail to ${message.to}`} class='email'>{emailText(message, orgName, accept, reject)}</Preformatted>
      <ul class='links' aria-label='Links in the e-mail'>
        <li>
          <a href={accept} target='_blank' rel='noreferrer'>Accept link</a>
          <CopyButton text={accept} label='Copy accept link' name={`Copy accept link of the e-mail to ${message.to} sent ${dateTime(message.sentAt)}`} />
        </li>
        <li>
          <a href={reject} target='_blank' rel='noreferrer'>Decline link</a>
          <CopyButton text={reject} label='Copy decline link' name={`Copy decline link of the e-mail to ${message.to} sent ${dateTime(message.sentAt)}`} />
        </li>
      </ul>
      <details>
        <summary>Invite id and token</summary>
        <dl class='facts'>
          <dt>Invite</dt><dd><code>{message.inviteId}</code></dd>
          <dt>Link token</dt><dd><code class='token'>{message.token}</code></dd>
        </dl>
      </details>
      <div class='row'>
        <Button onClick={view} busy={action.busy} aria-label={label('View')}>View</Button>
        <Button variant='primary' onClick={async () => await decide(true)} busy={action.busy} aria-label={label('Accept')}>Accept</Button>
        <Button onClick={async () => await decide(false)} busy={action.busy} aria-label={label('Reject')}>Reject</Button>
      </div>
      <p role='status' class={`answer ${answer === undefined ? '' : answer.status < 300 ? 'ok' : 'error'}`}>{answer?.text ?? ''}</p>
      <OutcomeText outcome={action.outcome} />
    </li>
  )
}
