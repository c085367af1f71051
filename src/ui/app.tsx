import type { JSX } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import { type ApiError, whenAdminTokenRefused } from './api.js'
import { dateTime, offset, timeOfDay } from './format.js'
import { reconnect, useEmulatorTime, useLive } from './live.js'
import { href, useRoute, type Route } from './router.js'
import { AdminTokenScreen } from './screens/admin-token.js'
import { FaultsScreen } from './screens/faults.js'
import { InvitationScreen } from './screens/invitation.js'
import { InvitesScreen } from './screens/invites.js'
import { OrgsScreen } from './screens/orgs.js'
import { OutboxScreen } from './screens/outbox.js'
import { OverviewScreen } from './screens/overview.js'
import { RequestsScreen } from './screens/requests.js'
import { TokensScreen } from './screens/tokens.js'

/** The screens in the navigation, by their first path segment. */
const SCREENS: Array<{ segment: string, label: string }> = [
  { segment: '', label: 'Overview' },
  { segment: 'orgs', label: 'Instances and orgs' },
  { segment: 'outbox', label: 'Outbox' },
  { segment: 'requests', label: 'Requests' },
  { segment: 'faults', label: 'Faults and clock' },
  { segment: 'tokens', label: 'Tokens' }
]

function screenFor (route: Route): JSX.Element {
  const [first = '', instanceId, orgId] = route.segments
  switch (first) {
    case '': return <OverviewScreen />
    case 'orgs': return instanceId !== undefined && orgId !== undefined
      ? <InvitesScreen instanceId={instanceId} orgId={orgId} query={route.query} />
      : <OrgsScreen />
    case 'outbox': return <OutboxScreen query={route.query} />
    case 'invite': return <InvitationScreen query={route.query} />
    case 'requests': return <RequestsScreen query={route.query} />
    case 'faults': return <FaultsScreen />
    case 'tokens': return <TokensScreen />
    default: return <p role='alert'>There is no screen at “{route.segments.join('/')}”. <a href={href([])}>Go to the overview</a>.</p>
  }
}

/** The emulator's clock in the header, on every screen, while it is moved from real time. */
function MovedClock (): JSX.Element | null {
  const time = useEmulatorTime()
  if (time === undefined || time.offsetMs === 0) return null
  return (
    <a class='clock-moved' href={href(['faults'])}>
      Clock moved: <time dateTime={new Date(time.now).toISOString()}>{dateTime(new Date(time.now).toISOString())}</time> ({offset(time.offsetMs)})
    </a>
  )
}

/** Whether the emulator answers: said once, above every screen; and when it is back. */
function ConnectionNotice (): JSX.Element {
  const live = useLive()
  const [back, setBack] = useState(false)
  const recoveries = useRef(live.recoveries)
  useEffect(() => {
    if (live.recoveries === recoveries.current) return
    recoveries.current = live.recoveries
    setBack(true)
    const timer = setTimeout(() => setBack(false), 5000)
    return () => clearTimeout(timer)
  }, [live.recoveries])
  const since = live.unreachableSince
  return (
    <>
      <div role='alert' class='notice error'>
        {live.connection === 'unreachable' && since !== undefined &&
          `The emulator is unreachable (no answer since ${timeOfDay(new Date(since).toISOString()).slice(0, 8)}): it may have stopped. This page reconnects by itself when it is back.`}
      </div>
      <div role='status' class='notice ok'>{back && live.connection !== 'unreachable' ? 'The emulator answers again: every screen is up to date.' : ''}</div>
    </>
  )
}

export function App (): JSX.Element {
  const route = useRoute()
  // Set when the control plane refuses the admin token (or wants one): the screen gives way to the form.
  const [refused, setRefused] = useState<ApiError>()
  // Bumped once a token is accepted: the screen is made anew and loads again.
  const [epoch, setEpoch] = useState(0)
  useEffect(() => whenAdminTokenRefused(setRefused), [])
  const current = route.segments[0] ?? ''
  const screenKey = `${epoch}:${route.segments.join('/')}`

  return (
    <>
      <a
        class='skip' href={location.hash || '#/'} onClick={(event) => {
          event.preventDefault()
          document.getElementById('main')?.focus()
        }}
      >Skip to content
      </a>
      <header class='top'>
        <p class='brand'>Losant invites emulator</p>
        <nav aria-label='Screens'>
          <ul>
            {SCREENS.map(({ segment, label }) => (
              <li key={segment}>
                <a href={href(segment === '' ? [] : [segment])} aria-current={segment === current ? 'page' : undefined}>{label}</a>
              </li>
            ))}
            <li><a href='../docs/'>API docs</a></li>
          </ul>
        </nav>
        <MovedClock />
      </header>
      <ConnectionNotice />
      <main id='main' tabIndex={-1}>
        {refused !== undefined
          ? <AdminTokenScreen refused={refused} onAccepted={() => { setRefused(undefined); setEpoch((n) => n + 1); reconnect() }} />
          : <div key={screenKey}>{screenFor(route)}</div>}
      </main>
    </>
  )
}
