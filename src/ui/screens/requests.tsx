import type { JSX } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import type { JournalEntry } from '../../schemas/harness.js'
import { ApiError, control } from '../api.js'
import { Button, CopyButton, describeError, Field, OutcomeText, Preformatted, ScreenTitle, useAction, useLoad } from '../components.js'
import { curlCommand, variablesOf } from '../curl.js'
import { timeOfDay } from '../format.js'
import { listInstances } from '../instances.js'
import { followJournal, type FollowMode, type JournalFilter, MAX_ENTRIES } from '../journal-stream.js'
import { useLive } from '../live.js'
import { href, navigate } from '../router.js'

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']

const MODE_TEXT: Record<FollowMode | 'unreachable', string> = {
  connecting: 'Connecting to the live journal…',
  live: 'Live: new requests appear as they arrive.',
  polling: 'Polling every second: the live stream could not be opened.',
  unreachable: 'The emulator is unreachable: requests made meanwhile show once it is back.'
}

/** `404`, or a class such as `4xx`; blank matches all. `dropped` matches a dropped connection. */
function matchesStatus (status: number | null, wanted: string): boolean {
  const want = wanted.trim().toLowerCase()
  if (want === '') return true
  if (status === null) return want === 'dropped'
  const klass = /^([1-5])xx$/.exec(want)
  return klass !== null ? Math.floor(status / 100) === Number(klass[1]) : String(status) === want
}

/** Every word of the search in the entry: its method, path, query, headers, body or status (any case). */
function matchesSearch (entry: JournalEntry, search: string): boolean {
  const words = search.toLowerCase().split(/\s+/).filter((w) => w !== '')
  if (words.length === 0) return true
  const text = [entry.method, entry.path, JSON.stringify(entry.query), JSON.stringify(entry.headers), JSON.stringify(entry.body ?? null), String(entry.status), entry.fault ?? ''].join(' ').toLowerCase()
  return words.every((w) => text.includes(w))
}

/** The request journal, newest first and live; a row opens the whole entry. */
export function RequestsScreen ({ query }: { query: URLSearchParams }): JSX.Element {
  const filter: JournalFilter = {}
  for (const key of ['method', 'path', 'instanceId', 'orgId'] as const) {
    const value = query.get(key)?.trim()
    if (value !== undefined && value !== '') filter[key] = value
  }
  const status = query.get('status') ?? ''
  const search = query.get('q') ?? ''
  const filterKey = JSON.stringify(filter)
  const [entries, setEntries] = useState<JournalEntry[]>([])
  const [loadError, setLoadError] = useState<string>()
  const [mode, setMode] = useState<FollowMode>('connecting')
  const [openId, setOpenId] = useState<number>()
  const clear = useAction()
  const live = useLive()
  const instances = useLoad(listInstances, 'instances')
  const settings = useLoad(async () => await control<{ recordUi: boolean }>('requests/settings'), 'settings')
  const toggle = useAction()
  // Restarted when the filters change, and when the emulator is back after being unreachable.
  const [restarts, setRestarts] = useState(0)
  const journalLength = live.changes?.journal.length
  const lastLength = useRef(journalLength)

  useEffect(() => {
    let stop = (): void => {}
    let cancelled = false
    setEntries([])
    setLoadError(undefined)
    control<JournalEntry[]>('requests', { query: { ...filter, limit: MAX_ENTRIES } }).then((list) => {
      if (cancelled) return
      setEntries(list)
      stop = followJournal(filter, list[0]?.id ?? 0, (fresh) => {
        setEntries((shown) => [...fresh.reverse(), ...shown].slice(0, MAX_ENTRIES))
      }, setMode)
    }, (error: unknown) => {
      // Not answered at all: the page says the emulator is unreachable, and lists again when it is back.
      if (!cancelled && !(error instanceof ApiError && error.status === 0)) setLoadError(describeError(error))
    })
    return () => {
      cancelled = true
      stop()
    }
  }, [filterKey, live.recoveries, restarts])
  // Entries removed elsewhere (a clear, a reset): listed again.
  useEffect(() => {
    if (journalLength !== undefined && lastLength.current !== undefined && journalLength < lastLength.current) setRestarts((n) => n + 1)
    lastLength.current = journalLength
  }, [journalLength])

  // What the box shows at once when clicked; the server's answer then confirms it (or puts it back).
  const [asked, setAsked] = useState<boolean>()
  const showUi = asked ?? settings.data?.recordUi === true
  const shown = entries.filter((entry) => (showUi || entry.client !== 'ui') && matchesStatus(entry.status, status) && matchesSearch(entry, search))
  const opened = entries.find((entry) => entry.id === openId)
  const filtered = Object.keys(filter).length > 0
  const modeText = live.connection === 'unreachable' ? MODE_TEXT.unreachable : MODE_TEXT[mode]

  const onClear = async (): Promise<void> => {
    await clear.run(async () => {
      const { removed } = await control<{ removed: number }>('requests', { method: 'DELETE', query: { ...filter } })
      setEntries([])
      setOpenId(undefined)
      return `${removed} ${removed === 1 ? 'request' : 'requests'} removed from the journal.`
    })
  }
  const onToggle = async (recordUi: boolean): Promise<void> => {
    setAsked(recordUi)
    await toggle.run(async () => {
      await control('requests/settings', { method: 'PUT', body: { recordUi } })
      await settings.reload()
      return recordUi
        ? 'The UI\'s own requests are journaled from now on, marked UI.'
        : 'The UI\'s own requests are left out of the journal again.'
    })
    setAsked(undefined)
  }

  return (
    <section>
      <ScreenTitle>Requests</ScreenTitle>
      <form
        key={query.toString()} class='filters' aria-label='Filter requests' onSubmit={(event) => {
          event.preventDefault()
          const form = new FormData(event.currentTarget)
          const value = (name: string): string => String(form.get(name) ?? '').trim()
          navigate(href(['requests'], { q: value('q'), method: value('method'), path: value('path'), status: value('status'), instanceId: value('instanceId'), orgId: value('orgId') }))
        }}
      >
        <Field label='Search' hint='words anywhere: path, query, headers, body, status'><input type='search' name='q' defaultValue={search} spellcheck={false} /></Field>
        <Field label='Method'>
          <select name='method'>
            <option value=''>Any</option>
            {METHODS.map((method) => <option key={method} value={method} selected={filter.method?.toUpperCase() === method}>{method}</option>)}
          </select>
        </Field>
        <Field label='Path' hint='a glob: * crosses /'><input name='path' defaultValue={filter.path ?? ''} spellcheck={false} /></Field>
        <Field label='Status' hint='404, 4xx, or dropped'><input name='status' defaultValue={status} size={8} /></Field>
        <Field label='Instance'>
          <select name='instanceId'>
            <option value=''>Any</option>
            {(instances.data ?? []).map((instance) => <option key={instance.id} value={instance.id} selected={filter.instanceId === instance.id}>{instance.name}</option>)}
            {filter.instanceId !== undefined && instances.data?.some((i) => i.id === filter.instanceId) !== true && <option value={filter.instanceId} selected>{filter.instanceId}</option>}
          </select>
        </Field>
        <Field label='Org id'><input name='orgId' defaultValue={filter.orgId ?? ''} spellcheck={false} /></Field>
        <div class='row'>
          <Button type='submit'>Filter</Button>
          <Button variant='danger' busy={clear.busy} busyLabel='Clearing…' onClick={onClear}>{filtered ? 'Clear matching requests' : 'Clear the journal'}</Button>
        </div>
      </form>
      <label class='check'>
        <input type='checkbox' checked={showUi} disabled={settings.data === undefined || toggle.busy} onChange={async (e) => await onToggle(e.currentTarget.checked)} />
        Show the UI's own requests (journaled from then on, marked UI; they never use a fault)
      </label>
      <OutcomeText outcome={toggle.outcome ?? clear.outcome} />
      {loadError !== undefined
        ? <p role='alert' class='outcome error'>Could not load the journal: {loadError}</p>
        : <p role='status' class={`mode ${live.connection === 'unreachable' ? 'unreachable' : mode}`}><span class='dot' aria-hidden='true' />{modeText}</p>}
      {opened !== undefined && <Details entry={opened} onClose={() => setOpenId(undefined)} />}
      <table class='data journal' role='table'>
        <caption>{shown.length} {shown.length === 1 ? 'request' : 'requests'}, newest first{entries.length >= MAX_ENTRIES ? ` (the newest ${MAX_ENTRIES})` : ''}</caption>
        <thead>
          <tr role='row'><th role='columnheader' scope='col'>Time</th><th role='columnheader' scope='col'>Request</th><th role='columnheader' scope='col'>Status</th><th role='columnheader' scope='col'>Duration</th><th role='columnheader' scope='col'>Org</th></tr>
        </thead>
        <tbody>
          {shown.map((entry) => (
            <tr key={entry.id} role='row' class={entry.id === openId ? 'selected' : undefined}>
              <td role='cell' data-label='Time'>{timeOfDay(entry.time)}</td>
              <td role='cell' data-label='Request'>
                <button type='button' class='link' aria-expanded={entry.id === openId} onClick={() => setOpenId(entry.id === openId ? undefined : entry.id)}>
                  {entry.method} {entry.path}
                </button>
                {entry.client === 'ui' && <> <span class='badge'>UI</span></>}
              </td>
              <td role='cell' data-label='Status'><StatusText entry={entry} /></td>
              <td role='cell' data-label='Duration'>{entry.durationMs} ms</td>
              <td role='cell' data-label='Org'>{entry.orgId === undefined ? '' : <code>{entry.orgId}</code>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {shown.length === 0 && loadError === undefined && (
        <p class='empty'>
          {entries.length === 0 && !filtered
            ? 'No requests yet. What your app sends to the Losant paths (…/invites, /invites) shows here as it arrives; the emulator\'s own endpoints and this page\'s requests are left out.'
            : 'No request matches these filters.'}
        </p>
      )}
    </section>
  )
}

function StatusText ({ entry }: { entry: JournalEntry }): JSX.Element {
  if (entry.status === null) return <span class='badge error'>dropped</span>
  const kind = entry.status >= 500 ? 'error' : entry.status >= 400 ? 'warn' : 'ok'
  return <span class={`badge ${kind}`}>{entry.status}{entry.fault !== undefined && ' (fault)'}</span>
}

/** The whole entry as the journal keeps it (tokens redacted), and the same request as curl. */
function Details ({ entry, onClose }: { entry: JournalEntry, onClose: () => void }): JSX.Element {
  const heading = useRef<HTMLHeadingElement>(null)
  useEffect(() => { heading.current?.focus() }, [entry.id])
  const curl = curlCommand(entry)
  const variables = variablesOf(curl)
  const json = (value: unknown): string => JSON.stringify(value, null, 2)
  return (
    <section class='card details' aria-labelledby='details-title'>
      <div class='row spread'>
        <h2 id='details-title' tabIndex={-1} ref={heading}>{entry.method} {entry.path}</h2>
        <Button onClick={onClose}>Close details</Button>
      </div>
      <div class='cards'>
        <div>
          <h3>Request</h3>
          <dl class='facts'>
            <dt>Time</dt><dd>{entry.time}</dd>
            <dt>Token</dt>
            <dd>{entry.token === undefined ? 'none' : entry.token.error !== undefined ? `refused: ${entry.token.error}` : `scope ${entry.token.scope.join(', ')}${entry.token.instanceId === undefined ? '' : `, instance ${entry.token.instanceId}`}`}</dd>
            {entry.client === 'ui' && <><dt>Sent by</dt><dd>this UI</dd></>}
          </dl>
          <h4>Query</h4>
          <Preformatted label='Query'>{json(entry.query)}</Preformatted>
          <h4>Headers</h4>
          <Preformatted label='Headers'>{json(entry.headers)}</Preformatted>
          <h4>Body</h4>
          <Preformatted label='Body'>{entry.bodyOmitted === true ? '(larger than 64 KiB: not kept)' : entry.body === undefined ? '(none)' : json(entry.body)}</Preformatted>
        </div>
        <div>
          <h3>Response</h3>
          <dl class='facts'>
            <dt>Status</dt><dd>{entry.status ?? 'none: the connection was dropped'}</dd>
            <dt>Duration</dt><dd>{entry.durationMs} ms</dd>
            {entry.fault !== undefined && <><dt>Fault</dt><dd>{entry.fault}</dd></>}
          </dl>
          <p class='muted'>The journal keeps the status, not the body of answers.</p>
          <h3>As curl</h3>
          {variables.length > 0 && (
            <p>
              The journal keeps no secret: the command reads {variables.map((v, i) => <span key={v.name}>{i > 0 && ' and '}<code>${v.name}</code> ({v.what})</span>)}.
              Set {variables.length === 1 ? 'it' : 'them'} first, e.g. <code>export {variables[0]!.name}=…</code>{variables.some((v) => v.name === 'TOKEN') && <> (the <a href={href(['tokens'])}>Tokens</a> screen mints one)</>}; then it runs as is in sh, bash or zsh.
            </p>
          )}
          <Preformatted label='The request as a curl command' class='curl'>{curl}</Preformatted>
          <CopyButton text={curl} label='Copy as curl' />
        </div>
      </div>
    </section>
  )
}
