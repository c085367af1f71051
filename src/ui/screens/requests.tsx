import type { JSX } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import type { JournalEntry } from '../../schemas/harness.js'
import { control } from '../api.js'
import { Button, CopyButton, describeError, Field, OutcomeText, ScreenTitle, useAction } from '../components.js'
import { curlCommand } from '../curl.js'
import { timeOfDay } from '../format.js'
import { followJournal, type FollowMode, type JournalFilter, MAX_ENTRIES } from '../journal-stream.js'
import { href, navigate } from '../router.js'

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']

const MODE_TEXT: Record<FollowMode, string> = {
  connecting: 'Connecting to the live journal…',
  live: 'Live: new requests appear as they arrive.',
  polling: 'Polling every second: the live stream could not be opened.'
}

/** `404`, or a class such as `4xx`; blank matches all. `dropped` matches a dropped connection. */
function matchesStatus (status: number | null, wanted: string): boolean {
  const want = wanted.trim().toLowerCase()
  if (want === '') return true
  if (status === null) return want === 'dropped'
  const klass = /^([1-5])xx$/.exec(want)
  return klass !== null ? Math.floor(status / 100) === Number(klass[1]) : String(status) === want
}

/** The request journal, newest first and live; a row opens the whole entry. */
export function RequestsScreen ({ query }: { query: URLSearchParams }): JSX.Element {
  const filter: JournalFilter = {}
  for (const key of ['method', 'path', 'orgId'] as const) {
    const value = query.get(key)?.trim()
    if (value !== undefined && value !== '') filter[key] = value
  }
  const status = query.get('status') ?? ''
  const filterKey = JSON.stringify(filter)
  const [entries, setEntries] = useState<JournalEntry[]>([])
  const [loadError, setLoadError] = useState<string>()
  const [mode, setMode] = useState<FollowMode>('connecting')
  const [openId, setOpenId] = useState<number>()
  const clear = useAction()

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
    }, (error: unknown) => { if (!cancelled) setLoadError(describeError(error)) })
    return () => {
      cancelled = true
      stop()
    }
  }, [filterKey])

  const shown = entries.filter((entry) => matchesStatus(entry.status, status))
  const opened = entries.find((entry) => entry.id === openId)
  const filtered = Object.keys(filter).length > 0

  const onClear = async (): Promise<void> => {
    await clear.run(async () => {
      const { removed } = await control<{ removed: number }>('requests', { method: 'DELETE', query: { ...filter } })
      setEntries([])
      setOpenId(undefined)
      return `${removed} ${removed === 1 ? 'request' : 'requests'} removed from the journal.`
    })
  }

  return (
    <section>
      <ScreenTitle>Requests</ScreenTitle>
      <form
        key={query.toString()} class='filters' aria-label='Filter requests' onSubmit={(event) => {
          event.preventDefault()
          const form = new FormData(event.currentTarget)
          const value = (name: string): string => String(form.get(name) ?? '').trim()
          navigate(href(['requests'], { method: value('method'), path: value('path'), status: value('status'), orgId: value('orgId') }))
        }}
      >
        <Field label='Method'>
          <select name='method'>
            <option value=''>Any</option>
            {METHODS.map((method) => <option key={method} value={method} selected={filter.method?.toUpperCase() === method}>{method}</option>)}
          </select>
        </Field>
        <Field label='Path' hint='a glob: * crosses /'><input name='path' defaultValue={filter.path ?? ''} spellcheck={false} /></Field>
        <Field label='Status' hint='404, 4xx, or dropped'><input name='status' defaultValue={status} size={8} /></Field>
        <Field label='Org id'><input name='orgId' defaultValue={filter.orgId ?? ''} spellcheck={false} /></Field>
        <div class='row'>
          <Button type='submit'>Filter</Button>
          <Button variant='danger' busy={clear.busy} busyLabel='Clearing…' onClick={onClear}>{filtered ? 'Clear matching requests' : 'Clear the journal'}</Button>
        </div>
      </form>
      <OutcomeText outcome={clear.outcome} />
      {loadError !== undefined
        ? <p role='alert' class='outcome error'>Could not load the journal: {loadError}</p>
        : <p role='status' class={`mode ${mode}`}><span class='dot' aria-hidden='true' />{MODE_TEXT[mode]}</p>}
      {opened !== undefined && <Details entry={opened} onClose={() => setOpenId(undefined)} />}
      <table class='data'>
        <caption>{shown.length} {shown.length === 1 ? 'request' : 'requests'}, newest first{entries.length >= MAX_ENTRIES ? ` (the newest ${MAX_ENTRIES})` : ''}</caption>
        <thead>
          <tr><th scope='col'>Time</th><th scope='col'>Request</th><th scope='col'>Status</th><th scope='col'>Duration</th><th scope='col'>Org</th></tr>
        </thead>
        <tbody>
          {shown.map((entry) => (
            <tr key={entry.id} class={entry.id === openId ? 'selected' : undefined}>
              <td>{timeOfDay(entry.time)}</td>
              <td>
                <button type='button' class='link' aria-expanded={entry.id === openId} onClick={() => setOpenId(entry.id === openId ? undefined : entry.id)}>
                  {entry.method} {entry.path}
                </button>
              </td>
              <td><StatusText entry={entry} /></td>
              <td>{entry.durationMs} ms</td>
              <td>{entry.orgId === undefined ? '' : <code>{entry.orgId}</code>}</td>
            </tr>
          ))}
        </tbody>
      </table>
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
          </dl>
          <h4>Query</h4>
          <pre>{json(entry.query)}</pre>
          <h4>Headers</h4>
          <pre>{json(entry.headers)}</pre>
          <h4>Body</h4>
          <pre>{entry.bodyOmitted === true ? '(larger than 64 KiB: not kept)' : entry.body === undefined ? '(none)' : json(entry.body)}</pre>
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
          <pre class='curl'>{curl}</pre>
          <CopyButton text={curl} label='Copy as curl' />
        </div>
      </div>
    </section>
  )
}
