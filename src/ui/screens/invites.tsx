import type { JSX } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import type { ControlInvite, InvitePage, Member } from '../../schemas/control.js'
import type { FilterField, SortDirection, SortField } from '../../schemas/orgInviteCollection.js'
import type { OrgInvitePost } from '../../schemas/orgInvitePost.js'
import { control, losant } from '../api.js'
import { Button, CopyButton, Field, focusAfterRender, type Loaded, LoadState, OutcomeText, ScreenTitle, useAction, useConfirm, useLoad } from '../components.js'
import { dateTime, duration } from '../format.js'
import { globHint } from '../glob-hint.js'
import { count, listInstances } from '../instances.js'
import { useRefreshOn } from '../live.js'
import { href, navigate } from '../router.js'

const ROLES: ReadonlyArray<OrgInvitePost['role']> = ['admin', 'edit', 'collaborate', 'view', 'none']
const SORT_FIELDS: readonly SortField[] = ['inviteDate', 'email', 'role']
const SORT_LABELS: Record<SortField, string> = { inviteDate: 'Invite date', email: 'Email', role: 'Role' }
const PAGE_SIZES = [25, 50, 100, 250]
const DEFAULT_PAGE_SIZE = 50

/** The list as the URL asks for it: the API's own sort and filter parameters, and the page shown (from 1). */
interface ListView {
  sortField: SortField
  sortDirection: SortDirection
  filterField: FilterField
  filter: string
  page: number
  perPage: number
}

function readView (query: URLSearchParams): ListView {
  const sortField = query.get('sortField')
  const perPage = Number(query.get('perPage'))
  return {
    sortField: SORT_FIELDS.includes(sortField as SortField) ? sortField as SortField : 'inviteDate',
    sortDirection: query.get('sortDirection') === 'asc' ? 'asc' : 'desc',
    filterField: query.get('filterField') === 'role' ? 'role' : 'email',
    filter: query.get('filter') ?? '',
    page: Math.max(1, Math.floor(Number(query.get('page'))) || 1),
    perPage: PAGE_SIZES.includes(perPage) ? perPage : DEFAULT_PAGE_SIZE
  }
}

/**
 * An org's invites, a page at a time, as the Losant listing sorts and filters them (the
 * control plane's paged view of the same listing: a 10,000-invite org's first page is a
 * few kilobytes); invite, resend and delete through the Losant API itself, with a token
 * the UI minted for itself. Live: a change made by anyone shows within a second.
 */
export function InvitesScreen ({ instanceId, orgId, query }: { instanceId: string, orgId: string, query: URLSearchParams }): JSX.Element {
  const view = readView(query)
  const path = `instances/${instanceId}/orgs/${orgId}/invites`
  const pageQuery = {
    sortField: view.sortField,
    sortDirection: view.sortDirection,
    ...(view.filter === '' ? {} : { filterField: view.filterField, filter: view.filter }),
    page: view.page - 1,
    perPage: view.perPage
  }
  const invites = useLoad(async () => await control<InvitePage>(path, { query: pageQuery }), JSON.stringify(pageQuery))
  const reloadInvites = invites.reload
  const members = useLoad(async () => await control<Member[]>(`instances/${instanceId}/orgs/${orgId}/members`), `${instanceId}/${orgId}`)
  const instances = useLoad(listInstances, 'instances')
  useRefreshOn(['data', 'clock'], invites.refresh)
  useRefreshOn(['data'], members.refresh)
  useRefreshOn(['data'], instances.refresh)
  const instance = instances.data?.find((i) => i.id === instanceId)
  const orgName = instance?.orgs.find((o) => o.id === orgId)?.name ?? orgId
  const rowAction = useAction()
  const [busyRow, setBusyRow] = useState<string>()
  const [openId, setOpenId] = useState<string>()
  const [confirm, confirmDialog] = useConfirm()
  const link = (change: Partial<ListView>): string => href(['orgs', instanceId, orgId], toQuery({ ...view, ...change }))

  const data = invites.data
  const items = data?.items ?? []
  const pages = Math.max(1, Math.ceil((data?.totalCount ?? 0) / view.perPage))
  // A page past the end (the list shrank, or a hand-edited URL): the last page instead.
  useEffect(() => {
    if (data !== undefined && view.page > pages) location.replace(link({ page: pages }))
  }, [data, pages, view.page])
  const opened = items.find((invite) => invite.id === openId)
  const hint = globHint(view.filter)

  const act = async (invite: ControlInvite, work: () => Promise<string>): Promise<boolean> => {
    setBusyRow(invite.id)
    const ok = await rowAction.run(async () => {
      const said = await work()
      await invites.reload()
      return said
    })
    setBusyRow(undefined)
    return ok
  }
  const resend = async (invite: ControlInvite): Promise<void> => {
    await act(invite, async () => {
      await losant(`${path}/${invite.id}`, { method: 'POST', body: {} })
      return `Invite to ${invite.email} sent again: a new e-mail is in the outbox, and the old link no longer works.`
    })
  }
  const remove = async (invite: ControlInvite, index: number): Promise<void> => {
    if (!await confirm(`Delete the invite to ${invite.email}? Its e-mail's links stop working (404). The address can be invited again.`, 'Delete invite')) return
    const ok = await act(invite, async () => {
      await losant(`${path}/${invite.id}`, { method: 'DELETE' })
      if (openId === invite.id) setOpenId(undefined)
      return `Invite to ${invite.email} deleted.`
    })
    // The row is gone: the focus goes to the one that took its place (or the one before).
    const next = items[index + 1] ?? items[index - 1]
    if (ok) focusAfterRender(() => next === undefined ? null : document.getElementById(`invite-${next.id}`), () => rowButton(index), () => rowButton(index - 1))
  }

  return (
    <section>
      <p class='breadcrumbs'><a href={href(['orgs'])}>Instances and orgs</a> / {instance?.name ?? instanceId}</p>
      <ScreenTitle>Invites of {orgName}</ScreenTitle>
      <InviteForm path={path} onInvited={reloadInvites} />

      <form
        key={query.toString()} class='filters' aria-label='Filter and sort' onSubmit={(event) => {
          event.preventDefault()
          const form = new FormData(event.currentTarget)
          navigate(link({
            filterField: form.get('filterField') as FilterField,
            filter: String(form.get('filter') ?? ''),
            sortField: form.get('sortField') as SortField,
            sortDirection: form.get('sortDirection') as SortDirection,
            page: 1
          }))
        }}
      >
        <Field label='Filter on'>
          <select name='filterField'>
            <option value='email' selected={view.filterField === 'email'}>Email</option>
            <option value='role' selected={view.filterField === 'role'}>Role</option>
          </select>
        </Field>
        <Field label='Filter' hint='a glob: * any run, ? one character, [abc], {a,b}'>
          <input name='filter' defaultValue={view.filter} spellcheck={false} />
        </Field>
        <Field label='Sort by'>
          <select name='sortField'>
            {SORT_FIELDS.map((field) => <option key={field} value={field} selected={view.sortField === field}>{SORT_LABELS[field]}</option>)}
          </select>
        </Field>
        <Field label='Direction'>
          <select name='sortDirection'>
            <option value='desc' selected={view.sortDirection === 'desc'}>Descending</option>
            <option value='asc' selected={view.sortDirection === 'asc'}>Ascending</option>
          </select>
        </Field>
        <div class='row'><Button type='submit'>Apply</Button></div>
      </form>
      {hint !== undefined && <p class='notice warn' role='note'>{hint}</p>}

      <LoadState loaded={invites} what='the invites' />
      <OutcomeText outcome={rowAction.outcome} />
      {opened !== undefined && <InviteDetails invite={opened} onClose={() => { setOpenId(undefined); focusAfterRender(() => document.getElementById(`invite-${opened.id}`)) }} />}
      {data !== undefined && (
        <>
          <Pager position='top' page={Math.min(view.page, pages)} pages={pages} view={view} link={link} />
          <table class='data invites' role='table'>
            <caption>
              {data.totalCount} {data.totalCount === 1 ? 'invite' : 'invites'}
              {view.filter !== '' && ` whose ${view.filterField} matches ${view.filter}`}
              {invites.loading && <span class='muted'> (refreshing…)</span>}
            </caption>
            <thead>
              <tr role='row'><th role='columnheader' scope='col'>Email</th><th role='columnheader' scope='col'>Role</th><th role='columnheader' scope='col'>Invited</th><th role='columnheader' scope='col'>Expiry</th><th role='columnheader' scope='col'>Actions</th></tr>
            </thead>
            <tbody>
              {items.map((invite, index) => (
                <tr key={invite.id} role='row' class={invite.id === openId ? 'selected' : undefined}>
                  <td role='cell' data-label='Email'>
                    <button
                      type='button' class='link' id={`invite-${invite.id}`} data-row={index} aria-expanded={invite.id === openId}
                      onClick={() => setOpenId(invite.id === openId ? undefined : invite.id)}
                    >{invite.email}
                    </button>
                  </td>
                  <td role='cell' data-label='Role'>{invite.role}</td>
                  <td role='cell' data-label='Invited'>{dateTime(invite.inviteDate)}</td>
                  <td role='cell' data-label='Expiry'>{invite.hasExpired ? <span class='badge expired'>Expired</span> : `until ${dateTime(new Date(Date.parse(invite.inviteDate) + invite.ttl).toISOString())}`}</td>
                  <td role='cell' data-label='Actions'>
                    <div class='row'>
                      <Button busy={busyRow === invite.id && rowAction.busy} onClick={async () => await resend(invite)} aria-label={`Resend the invite to ${invite.email}`}>Resend</Button>
                      <Button variant='danger' busy={busyRow === invite.id && rowAction.busy} onClick={async () => await remove(invite, index)} aria-label={`Delete the invite to ${invite.email}`}>Delete…</Button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {data.totalCount === 0 && (
            <p class='empty'>
              {view.filter !== ''
                ? `No invite's ${view.filterField} matches ${view.filter}.`
                : 'No invites yet: invite someone above, or have your app POST to this org\'s invites.'}
            </p>
          )}
          {pages > 1 && <Pager position='bottom' page={Math.min(view.page, pages)} pages={pages} view={view} link={link} />}
        </>
      )}
      <Members members={members} />
      {confirmDialog}
    </section>
  )
}

/** The email button of the row at `index` (rows are numbered on the page shown). */
function rowButton (index: number): HTMLElement | null {
  return index < 0 ? null : document.querySelector<HTMLElement>(`table.invites button[data-row="${index}"]`)
}

/** Everything the emulator knows of one invite: what the API answers, and its token. */
function InviteDetails ({ invite, onClose }: { invite: ControlInvite, onClose: () => void }): JSX.Element {
  const heading = useRef<HTMLHeadingElement>(null)
  useEffect(() => { heading.current?.focus() }, [invite.id])
  const roles = (list: ControlInvite['applicationRoles']): string => list === undefined || list.length === 0
    ? 'none'
    : list.map((r) => `${r.resourceId}: ${r.role}`).join(', ')
  return (
    <section class='card details' aria-labelledby='invite-details-title'>
      <div class='row spread'>
        <h2 id='invite-details-title' tabIndex={-1} ref={heading}>Invite to {invite.email}</h2>
        <Button onClick={onClose}>Close details</Button>
      </div>
      <dl class='facts'>
        <dt>Id</dt><dd><code>{invite.id}</code></dd>
        <dt>Role</dt><dd>{invite.role}</dd>
        <dt>Application roles</dt><dd>{roles(invite.applicationRoles)}</dd>
        <dt>Dashboard roles</dt><dd>{roles(invite.dashboardRoles)}</dd>
        <dt>Transfer</dt><dd>{invite.disallowTransfer === true ? 'not allowed (disallowTransfer)' : 'allowed'}</dd>
        <dt>Invited</dt><dd>{dateTime(invite.inviteDate)}</dd>
        <dt>Time to live</dt><dd>{duration(invite.ttl)} ({invite.ttl} ms)</dd>
        <dt>Expiry</dt><dd>{invite.hasExpired ? 'expired' : 'pending'}, {dateTime(new Date(Date.parse(invite.inviteDate) + invite.ttl).toISOString())}</dd>
        <dt>Link token</dt><dd><code class='token'>{invite.token}</code> <CopyButton text={invite.token} label='Copy token' name={`Copy token of the invite to ${invite.email}`} /></dd>
      </dl>
      <p><a href={href(['outbox'], { email: invite.email })}>The e-mails sent to {invite.email}</a></p>
    </section>
  )
}

/** Who accepted an invite to this org. */
function Members ({ members }: { members: Loaded<Member[]> }): JSX.Element {
  const list = members.data ?? []
  return (
    <section aria-labelledby='members-title'>
      <h2 id='members-title'>Members</h2>
      <LoadState loaded={members} what='the members' />
      {members.data !== undefined && (list.length === 0
        ? <p class='empty'>No members yet. Accepting an invite (<code>POST /invites</code> with its token, or Accept in the <a href={href(['outbox'])}>Outbox</a>) makes its address a member, with the invite's role.</p>
        : (
          <table class='data' role='table'>
            <caption>{count(list.length, 'member')}, by email</caption>
            <thead><tr role='row'><th role='columnheader' scope='col'>Email</th><th role='columnheader' scope='col'>Role</th></tr></thead>
            <tbody>
              {list.map((member) => <tr key={member.email} role='row'><td role='cell' data-label='Email'>{member.email}</td><td role='cell' data-label='Role'>{member.role}</td></tr>)}
            </tbody>
          </table>
          ))}
    </section>
  )
}

function toQuery (view: ListView): Record<string, string | number | undefined> {
  return {
    sortField: view.sortField === 'inviteDate' ? undefined : view.sortField,
    sortDirection: view.sortDirection === 'desc' ? undefined : view.sortDirection,
    filterField: view.filter === '' ? undefined : view.filterField,
    filter: view.filter,
    page: view.page === 1 ? undefined : view.page,
    perPage: view.perPage === DEFAULT_PAGE_SIZE ? undefined : view.perPage
  }
}

function Pager ({ position, page, pages, view, link }: { position: 'top' | 'bottom', page: number, pages: number, view: ListView, link: (change: Partial<ListView>) => string }): JSX.Element {
  const to = (target: number, label: string): JSX.Element => target < 1 || target > pages || target === page
    ? <span class='button plain' aria-disabled='true'>{label}</span>
    : <a class='button plain' href={link({ page: target })}>{label}</a>
  return (
    <nav class='pager row' aria-label={`Pages (${position})`}>
      {to(1, 'First page')}
      {to(page - 1, 'Previous page')}
      <span>Page {page} of {pages}</span>
      {to(page + 1, 'Next page')}
      {to(pages, 'Last page')}
      {position === 'top' && (
        <Field label='Per page'>
          <select value={view.perPage} onChange={(e) => navigate(link({ perPage: Number(e.currentTarget.value), page: 1 }))}>
            {PAGE_SIZES.map((size) => <option key={size} value={size}>{size}</option>)}
          </select>
        </Field>
      )}
    </nav>
  )
}

function InviteForm ({ path, onInvited }: { path: string, onInvited: () => Promise<void> }): JSX.Element {
  const [email, setEmail] = useState('')
  const [role, setRole] = useState<OrgInvitePost['role']>('view')
  const action = useAction()
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault()
    await action.run(async () => {
      const body: OrgInvitePost = { email: email.trim(), role }
      await losant(path, { method: 'POST', body })
      setEmail('')
      await onInvited()
      return `Invited ${body.email} as ${role}: the e-mail is in the outbox.`
    })
  }
  return (
    // noValidate: the API judges the address, and its message is the one shown.
    <form class='card stack' onSubmit={submit} noValidate aria-labelledby='invite-someone'>
      <h2 id='invite-someone'>Invite someone</h2>
      <div class='row'>
        <Field label='Email'><input type='email' value={email} onInput={(e) => setEmail(e.currentTarget.value)} autocomplete='off' /></Field>
        <Field label='Role'>
          <select value={role} onChange={(e) => setRole(e.currentTarget.value as OrgInvitePost['role'])}>
            {ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
          </select>
        </Field>
        <Button type='submit' variant='primary' busy={action.busy} busyLabel='Inviting…'>Invite</Button>
      </div>
      <OutcomeText outcome={action.outcome} />
    </form>
  )
}
