import type { JSX } from 'preact'
import { useState } from 'preact/hooks'
import type { OrgInvite } from '../../schemas/orgInvite.js'
import type { FilterField, OrgInviteCollection, SortDirection, SortField } from '../../schemas/orgInviteCollection.js'
import type { OrgInvitePost } from '../../schemas/orgInvitePost.js'
import { losant } from '../api.js'
import { Button, Field, LoadState, OutcomeText, ScreenTitle, useAction, useLoad } from '../components.js'
import { dateTime } from '../format.js'
import { listInstances } from '../instances.js'
import { href, navigate } from '../router.js'

const ROLES: ReadonlyArray<OrgInvitePost['role']> = ['admin', 'edit', 'collaborate', 'view', 'none']
const SORT_FIELDS: readonly SortField[] = ['inviteDate', 'email', 'role']
const SORT_LABELS: Record<SortField, string> = { inviteDate: 'Invite date', email: 'Email', role: 'Role' }
const PAGE_SIZES = [25, 50, 100, 250]
const DEFAULT_PAGE_SIZE = 50

/** The list as the URL asks for it: the API's own sort and filter parameters, and the page shown. */
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
 * An org's invites through the real API (GET with the same sort and filter parameters, a
 * token the UI minted for itself). The API answers the whole collection; the table shows
 * one page of it, so an org of 10,000 invites renders as fast as one of 50.
 */
export function InvitesScreen ({ instanceId, orgId, query }: { instanceId: string, orgId: string, query: URLSearchParams }): JSX.Element {
  const view = readView(query)
  const path = `instances/${instanceId}/orgs/${orgId}/invites`
  const apiQuery = { sortField: view.sortField, sortDirection: view.sortDirection, ...(view.filter === '' ? {} : { filterField: view.filterField, filter: view.filter }) }
  const invites = useLoad(async () => await losant<OrgInviteCollection>(path, { query: apiQuery }), JSON.stringify(apiQuery))
  const instances = useLoad(listInstances, 'instances')
  const instance = instances.data?.find((i) => i.id === instanceId)
  const orgName = instance?.orgs.find((o) => o.id === orgId)?.name ?? orgId
  const reloadInvites = invites.reload
  const rowAction = useAction()
  const [busyRow, setBusyRow] = useState<string>()
  const link = (change: Partial<ListView>): string => href(['orgs', instanceId, orgId], toQuery({ ...view, ...change }))

  const items = invites.data?.items ?? []
  const pages = Math.max(1, Math.ceil(items.length / view.perPage))
  const page = Math.min(view.page, pages)
  const shown = items.slice((page - 1) * view.perPage, page * view.perPage)

  const act = async (invite: OrgInvite, work: () => Promise<string>): Promise<void> => {
    setBusyRow(invite.id)
    await rowAction.run(async () => {
      const said = await work()
      await invites.reload()
      return said
    })
    setBusyRow(undefined)
  }
  const resend = async (invite: OrgInvite): Promise<void> => await act(invite, async () => {
    await losant(`${path}/${invite.id}`, { method: 'POST', body: {} })
    return `Invite to ${invite.email} sent again: a new e-mail is in the outbox, and the old link no longer works.`
  })
  const remove = async (invite: OrgInvite): Promise<void> => await act(invite, async () => {
    await losant(`${path}/${invite.id}`, { method: 'DELETE' })
    return `Invite to ${invite.email} deleted.`
  })

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

      <LoadState loaded={invites} what='the invites' />
      <OutcomeText outcome={rowAction.outcome} />
      {invites.data !== undefined && (
        <>
          <Pager position='top' page={page} pages={pages} view={view} link={link} />
          <table class='data'>
            <caption>
              {invites.data.count} {invites.data.count === 1 ? 'invite' : 'invites'}
              {view.filter !== '' && ` whose ${view.filterField} matches ${view.filter}`}
              {invites.loading && <span class='muted'> (refreshing…)</span>}
            </caption>
            <thead>
              <tr><th scope='col'>Email</th><th scope='col'>Role</th><th scope='col'>Invited</th><th scope='col'>Expiry</th><th scope='col'>Actions</th></tr>
            </thead>
            <tbody>
              {shown.map((invite) => (
                <tr key={invite.id}>
                  <td>{invite.email}</td>
                  <td>{invite.role}</td>
                  <td>{dateTime(invite.inviteDate)}</td>
                  <td>{invite.hasExpired ? <span class='badge expired'>Expired</span> : `until ${dateTime(new Date(Date.parse(invite.inviteDate) + invite.ttl).toISOString())}`}</td>
                  <td>
                    <div class='row'>
                      <Button busy={busyRow === invite.id && rowAction.busy} onClick={async () => await resend(invite)} aria-label={`Resend the invite to ${invite.email}`}>Resend</Button>
                      <Button variant='danger' busy={busyRow === invite.id && rowAction.busy} onClick={async () => await remove(invite)} aria-label={`Delete the invite to ${invite.email}`}>Delete</Button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {items.length === 0 && <p>No invites{view.filter !== '' ? ' match the filter' : ' yet'}.</p>}
          {pages > 1 && <Pager position='bottom' page={page} pages={pages} view={view} link={link} />}
        </>
      )}
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
