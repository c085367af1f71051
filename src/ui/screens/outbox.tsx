import type { JSX } from 'preact'
import { useState } from 'preact/hooks'
import type { Static } from '@sinclair/typebox'
import type { OutboxMessageBody } from '../../schemas/control.js'
import type { OrgInviteAction, OrgInviteInfoSchema, OrgInviteResultSchema } from '../../schemas/orgInvites.js'
import { ApiError, control, publicApi } from '../api.js'
import { Button, describeError, Field, LoadState, OutcomeText, ScreenTitle, useAction, useConfirm, useLoad } from '../components.js'
import { dateTime } from '../format.js'
import { href, navigate } from '../router.js'

type OrgInviteInfo = Static<typeof OrgInviteInfoSchema>
type OrgInviteResult = Static<typeof OrgInviteResultSchema>

/** The invite e-mails the real service would have sent, newest first; act on them as the invitee. */
export function OutboxScreen ({ query }: { query: URLSearchParams }): JSX.Element {
  const email = query.get('email') ?? ''
  const messages = useLoad(async () => await control<OutboxMessageBody[]>('outbox', { query: { email } }), email)
  const empty = useAction()
  const [confirm, confirmDialog] = useConfirm()
  const list = messages.data ?? []

  const onEmpty = async (): Promise<void> => {
    if (!await confirm('Empty the outbox? The e-mails go; the invites stay.', 'Empty the outbox')) return
    await empty.run(async () => {
      await control('outbox', { method: 'DELETE' })
      await messages.reload()
      return 'The outbox is empty.'
    })
  }

  return (
    <section>
      <ScreenTitle>Outbox</ScreenTitle>
      <form
        key={email} class='filters' aria-label='Filter by address' onSubmit={(event) => {
          event.preventDefault()
          navigate(href(['outbox'], { email: String(new FormData(event.currentTarget).get('email') ?? '').trim() }))
        }}
      >
        <Field label='To address'><input type='search' name='email' defaultValue={email} autocomplete='off' /></Field>
        <div class='row'>
          <Button type='submit'>Filter</Button>
          {email !== '' && <a class='button plain' href={href(['outbox'])}>Show all</a>}
          <Button variant='danger' busy={empty.busy} busyLabel='Emptying…' onClick={onEmpty}>Empty the outbox…</Button>
        </div>
      </form>
      <OutcomeText outcome={empty.outcome} />
      <LoadState loaded={messages} what='the outbox' />
      {messages.data !== undefined && (
        <p class='muted' role='status'>{list.length} {list.length === 1 ? 'e-mail' : 'e-mails'}{email !== '' && ` to ${email}`}, newest first.</p>
      )}
      <ol class='messages'>
        {list.map((message) => <Message key={message.id} message={message} />)}
      </ol>
      {confirmDialog}
    </section>
  )
}

/** One e-mail, with what its link would let the invitee do (the public /invites endpoints). */
function Message ({ message }: { message: OutboxMessageBody }): JSX.Element {
  const [answer, setAnswer] = useState<{ status: number, text: string }>()
  const action = useAction()
  const credentials = { email: message.to, token: message.token }
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
  const decide = async (accept: boolean): Promise<void> => await run(async () => {
    const body: OrgInviteAction = { ...credentials, accept }
    const result = await publicApi<OrgInviteResult>('invites', { method: 'POST', body })
    return { status: 200, text: `200: ${result.accepted ? 'accepted' : 'rejected'}; the invite is gone${result.accepted ? ` and ${message.to} is a member of org ${result.orgId}` : ''}` }
  })
  const label = (verb: string): string => `${verb} the invite to ${message.to} sent ${dateTime(message.sentAt)}`
  return (
    <li class='card message'>
      <h2>Invitation to {message.to}</h2>
      <dl class='facts'>
        <dt>Sent</dt><dd>{dateTime(message.sentAt)}</dd>
        <dt>Organization</dt><dd><a href={href(['orgs', message.instanceId, message.orgId])}><code>{message.orgId}</code></a></dd>
        <dt>Invite</dt><dd><code>{message.inviteId}</code></dd>
        <dt>Link token</dt><dd><code class='token'>{message.token}</code></dd>
      </dl>
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
