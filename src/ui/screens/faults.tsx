import type { JSX } from 'preact'
import { useState } from 'preact/hooks'
import type { Static } from '@sinclair/typebox'
import type { ClockSchema, ClockSet } from '../../schemas/control.js'
import type { Fault, FaultSpec } from '../../schemas/harness.js'
import { control } from '../api.js'
import { Button, Field, focusAfterRender, LoadState, OutcomeText, ScreenTitle, useAction, useLoad } from '../components.js'
import { dateTime, offset } from '../format.js'
import { useEmulatorTime, useRefreshOn } from '../live.js'

type ClockState = Static<typeof ClockSchema>

const HOUR = 3_600_000
const DAY = 24 * HOUR
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']
const UNITS: Record<string, number> = { minutes: 60_000, hours: HOUR, days: DAY }

/** Faults waiting for requests (live: the count left moves as they are used), and the emulator's clock. */
export function FaultsScreen (): JSX.Element {
  const faults = useLoad(async () => await control<Fault[]>('faults'), 'faults')
  useRefreshOn(['faults'], faults.refresh)
  const removeAll = useAction()
  const [busyId, setBusyId] = useState<string>()
  const remove = useAction()
  const list = faults.data ?? []
  const reloadFaults = faults.reload

  const faultsHeading = (): HTMLElement | null => document.getElementById('faults-title')
  const onRemove = async (fault: Fault, index: number): Promise<void> => {
    setBusyId(fault.id)
    const ok = await remove.run(async () => {
      await control(`faults/${fault.id}`, { method: 'DELETE' })
      await faults.reload()
      return `Fault ${fault.id} removed.`
    })
    setBusyId(undefined)
    // Its row is gone: the next one's button, or the one before, or the list's heading.
    const removeButton = (i: number) => (): HTMLElement | null => document.querySelectorAll<HTMLElement>('table.faults button')[i] ?? null
    if (ok) focusAfterRender(removeButton(index), removeButton(index - 1), faultsHeading)
  }
  const onRemoveAll = async (): Promise<void> => {
    const ok = await removeAll.run(async () => {
      const { removed } = await control<{ removed: number }>('faults', { method: 'DELETE' })
      await faults.reload()
      return `${removed} ${removed === 1 ? 'fault' : 'faults'} removed.`
    })
    if (ok) focusAfterRender(faultsHeading)
  }

  return (
    <section>
      <ScreenTitle>Faults and clock</ScreenTitle>
      <h2 id='faults-title' tabIndex={-1}>Faults</h2>
      <p class='muted'>A request to the Losant paths gets the first fault, in this order, that matches it and has a count left; it uses one.</p>
      <LoadState loaded={faults} what='the faults' />
      <OutcomeText outcome={remove.outcome ?? removeAll.outcome} />
      {faults.data !== undefined && (list.length === 0
        ? <p>No faults: every request is answered normally.</p>
        : (
          <table class='data faults' role='table'>
            <caption>{list.length} {list.length === 1 ? 'fault' : 'faults'}</caption>
            <thead>
              <tr role='row'><th role='columnheader' scope='col'>Id</th><th role='columnheader' scope='col'>Matches</th><th role='columnheader' scope='col'>Does</th><th role='columnheader' scope='col'>Left</th><th role='columnheader' scope='col'>Actions</th></tr>
            </thead>
            <tbody>
              {list.map((fault, index) => (
                <tr key={fault.id} role='row'>
                  <td role='cell' data-label='Id'>{fault.id}</td>
                  <td role='cell' data-label='Matches'><code>{fault.method ?? 'any'} {fault.path}</code>{fault.instanceId !== undefined && <> instance <code>{fault.instanceId}</code></>}{fault.orgId !== undefined && <> org <code>{fault.orgId}</code></>}</td>
                  <td role='cell' data-label='Does'>{describeFault(fault)}</td>
                  <td role='cell' data-label='Left'>{fault.remaining} of {fault.times}{fault.remaining === 0 && ' (used up)'}</td>
                  <td role='cell' data-label='Actions'><Button variant='danger' busy={busyId === fault.id && remove.busy} onClick={async () => await onRemove(fault, index)} aria-label={`Remove fault ${fault.id}`}>Remove</Button></td>
                </tr>
              ))}
            </tbody>
          </table>
          ))}
      {list.length > 0 && <Button variant='danger' busy={removeAll.busy} busyLabel='Removing…' onClick={onRemoveAll}>Remove all faults</Button>}
      <div class='cards'>
        <AddFault onAdded={reloadFaults} />
        <Clock />
      </div>
    </section>
  )
}

function describeFault (fault: Fault): string {
  const parts: string[] = []
  if (fault.delayMs !== undefined) parts.push(`waits ${fault.delayMs} ms`)
  if (fault.reset === true) parts.push('drops the connection')
  if (fault.status !== undefined) parts.push(`answers ${fault.status}${fault.body === undefined ? '' : ` with ${JSON.stringify(fault.body)}`}`)
  return parts.join(', then ')
}

function AddFault ({ onAdded }: { onAdded: () => Promise<void> }): JSX.Element {
  const action = useAction()
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault()
    const formElement = event.currentTarget as HTMLFormElement
    const form = new FormData(formElement)
    const text = (name: string): string => String(form.get(name) ?? '').trim()
    const ok = await action.run(async () => {
      const spec: FaultSpec = { path: text('path') }
      if (text('method') !== '') spec.method = text('method')
      if (text('instanceId') !== '') spec.instanceId = text('instanceId')
      if (text('orgId') !== '') spec.orgId = text('orgId')
      if (text('times') !== '') spec.times = Number(text('times'))
      if (text('delayMs') !== '') spec.delayMs = Number(text('delayMs'))
      if (text('status') !== '') spec.status = Number(text('status'))
      if (text('body') !== '') {
        try {
          spec.body = JSON.parse(text('body'))
        } catch {
          throw new Error('The body is not valid JSON.')
        }
      }
      if (form.get('dropConnection') === 'on') spec.reset = true
      const fault = await control<Fault>('faults', { method: 'POST', body: spec })
      await onAdded()
      return `Fault ${fault.id} added: the next ${fault.times === 1 ? 'matching request gets it' : `${fault.times} matching requests get it`}.`
    })
    if (ok) formElement.reset()
  }
  return (
    // noValidate: the server checks the spec, and its message is the one shown.
    <form class='card stack' onSubmit={submit} noValidate aria-labelledby='add-fault'>
      <h2 id='add-fault'>Add a fault</h2>
      <fieldset>
        <legend>Which requests</legend>
        <Field label='Method'>
          <select name='method'>
            <option value=''>Any</option>
            {METHODS.map((method) => <option key={method} value={method}>{method}</option>)}
          </select>
        </Field>
        <Field label='Path' hint='a glob: * crosses /'><input name='path' defaultValue='*' spellcheck={false} /></Field>
        <Field label='Instance id' hint='optional'><input name='instanceId' spellcheck={false} /></Field>
        <Field label='Org id' hint='optional'><input name='orgId' spellcheck={false} /></Field>
        <Field label='Times' hint='how many matching requests get it; 1 when blank'><input name='times' type='number' min={1} inputMode='numeric' /></Field>
      </fieldset>
      <fieldset>
        <legend>What they get</legend>
        <Field label='Delay (ms)' hint='waits first; alone, the request is then answered normally'><input name='delayMs' type='number' min={0} inputMode='numeric' /></Field>
        <Field label='Status' hint='e.g. 503: a Losant-shaped error unless a body is given'><input name='status' type='number' min={200} max={599} inputMode='numeric' /></Field>
        <Field label='Body' hint='optional JSON, answered as given with the status'><textarea name='body' rows={3} spellcheck={false} /></Field>
        <label class='check'><input type='checkbox' name='dropConnection' /> Drop the connection (no answer)</label>
      </fieldset>
      <div class='row'><Button type='submit' variant='primary' busy={action.busy} busyLabel='Adding…'>Add fault</Button></div>
      <OutcomeText outcome={action.outcome} />
    </form>
  )
}

/** The emulator's clock, ticking, and the controls that move it. */
function Clock (): JSX.Element {
  const clock = useLoad(async () => await control<ClockState>('clock'), 'clock')
  useRefreshOn(['clock'], clock.refresh)
  const time = useEmulatorTime()
  const action = useAction()
  const [amount, setAmount] = useState('')
  const [unit, setUnit] = useState('days')
  const set = async (setting: ClockSet, said: (state: ClockState) => string): Promise<void> => {
    await action.run(async () => {
      const state = await control<ClockState>('clock', { method: 'POST', body: setting })
      await clock.reload()
      return said(state)
    })
  }
  const move = async (deltaMs: number): Promise<void> => {
    const current = clock.data?.offsetMs ?? 0
    await set({ offsetMs: current + deltaMs }, (state) => `The clock is now ${dateTime(state.now)} (offset ${offset(state.offsetMs)}).`)
  }
  return (
    <section class='card stack' aria-labelledby='clock-title'>
      <h2 id='clock-title'>Clock</h2>
      <LoadState loaded={clock} what='the clock' />
      {clock.data !== undefined && (
        <dl class='facts'>
          <dt>Emulator time</dt><dd>{dateTime(new Date(time?.now ?? Date.parse(clock.data.now)).toISOString())}</dd>
          <dt>Offset from real time</dt><dd>{offset(clock.data.offsetMs)}</dd>
        </dl>
      )}
      <div class='row' role='group' aria-label='Move the clock'>
        <Button busy={action.busy} onClick={async () => await move(-DAY)}>Back 1 day</Button>
        <Button busy={action.busy} onClick={async () => await move(HOUR)}>Forward 1 hour</Button>
        <Button busy={action.busy} onClick={async () => await move(DAY)}>Forward 1 day</Button>
        <Button busy={action.busy} onClick={async () => await move(8 * DAY)}>Forward 8 days</Button>
      </div>
      <form
        class='row' onSubmit={async (event) => {
          event.preventDefault()
          await move(Number(amount) * (UNITS[unit] ?? DAY))
        }}
      >
        <Field label='Move by' hint='negative goes back'><input type='number' value={amount} onInput={(e) => setAmount(e.currentTarget.value)} step='any' required /></Field>
        <Field label='Unit'>
          <select value={unit} onChange={(e) => setUnit(e.currentTarget.value)}>
            {Object.keys(UNITS).map((name) => <option key={name} value={name}>{name}</option>)}
          </select>
        </Field>
        <Button type='submit' busy={action.busy}>Move</Button>
      </form>
      <div class='row'>
        <Button variant='primary' busy={action.busy} busyLabel='Resetting…' onClick={async () => await set({ offsetMs: 0 }, () => 'The clock is back to real time.')}>Back to real time</Button>
      </div>
      <OutcomeText outcome={action.outcome} />
    </section>
  )
}
