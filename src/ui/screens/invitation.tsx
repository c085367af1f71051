import type { JSX } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import type { Static } from '@sinclair/typebox'
import type { OrgInviteAction, OrgInviteInfoSchema, OrgInviteResultSchema } from '../../schemas/orgInvites.js'
import { publicApi } from '../api.js'
import { Button, LoadState, OutcomeText, ScreenTitle, useAction, useLoad } from '../components.js'
import { dateTime, duration } from '../format.js'
import { href } from '../router.js'

type OrgInviteInfo = Static<typeof OrgInviteInfoSchema>
type OrgInviteResult = Static<typeof OrgInviteResultSchema>

/**
 * Where an invite e-mail's links lead (`#/invite?email=&token=&answer=accept|reject`): what
 * the invitee's page would show, through the public endpoints the real service's page
 * calls, GET /invites to read the invite and POST /invites to answer it. The link says
 * which answer it came from; nothing is answered until the button is pressed.
 */
export function InvitationScreen ({ query }: { query: URLSearchParams }): JSX.Element {
  const email = query.get('email') ?? ''
  const token = query.get('token') ?? ''
  const answer = query.get('answer') === 'reject' ? 'reject' : 'accept'
  const info = useLoad(async () => await publicApi<OrgInviteInfo>('invites', { query: { email, token } }), `${email}\n${token}`)
  const action = useAction()
  const [result, setResult] = useState<OrgInviteResult>()
  const preferred = useRef<HTMLButtonElement>(null)
  useEffect(() => { if (info.data !== undefined) preferred.current?.focus() }, [info.data !== undefined])

  const decide = async (accept: boolean): Promise<void> => {
    await action.run(async () => {
      const body: OrgInviteAction = { email, token, accept }
      const answered = await publicApi<OrgInviteResult>('invites', { method: 'POST', body })
      setResult(answered)
      return answered.accepted
        ? `Accepted: ${email} is now a member of ${info.data?.orgName ?? `org ${answered.orgId}`}. The invite is gone; this link now answers 404.`
        : `Declined: the invite to ${email} is gone; this link now answers 404.`
    })
  }

  return (
    <section>
      <p class='breadcrumbs'><a href={href(['outbox'], { email })}>Outbox</a> / invitation</p>
      <ScreenTitle>Invitation for {email === '' ? '(no address)' : email}</ScreenTitle>
      <p class='muted'>What the invitee's page would show: it reads the invite with <code>GET /invites</code> and answers it with <code>POST /invites</code>, the e-mail's token and address as the credentials.</p>
      <LoadState loaded={info} what='the invitation' />
      {info.error !== undefined && (
        <p>This link no longer works: the invite was answered, deleted or sent again (a newer e-mail carries a new link), or it has expired. <a href={href(['outbox'], { email })}>The e-mails to {email}</a> say which.</p>
      )}
      {info.data !== undefined && (
        <div class='card stack narrow-wide'>
          <dl class='facts'>
            <dt>Organization</dt><dd>{info.data.orgName}</dd>
            <dt>Role</dt><dd>{info.data.role}</dd>
            <dt>Sent</dt><dd>{dateTime(info.data.inviteDate)}</dd>
            <dt>Valid for</dt><dd>{duration(info.data.ttl)}, until {dateTime(new Date(Date.parse(info.data.inviteDate) + info.data.ttl).toISOString())}</dd>
            {info.data.disallowTransfer === true && <><dt>Transfer</dt><dd>not allowed</dd></>}
          </dl>
          {result === undefined && (
            <div class='row'>
              <Button variant={answer === 'accept' ? 'primary' : 'plain'} busy={action.busy} onClick={async () => await decide(true)} ref={answer === 'accept' ? preferred : undefined}>Accept the invitation</Button>
              <Button variant={answer === 'reject' ? 'primary' : 'plain'} busy={action.busy} onClick={async () => await decide(false)} ref={answer === 'reject' ? preferred : undefined}>Decline it</Button>
            </div>
          )}
          <OutcomeText outcome={action.outcome} />
        </div>
      )}
    </section>
  )
}
