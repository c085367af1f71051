import type { JSX } from 'preact'
import type { Overview } from '../../schemas/overview.js'
import type { Snapshot } from '../../schemas/snapshot.js'
import { control } from '../api.js'
import { Button, LoadState, OutcomeText, ScreenTitle, useAction, useConfirm, useLoad } from '../components.js'
import { dateTime, duration, offset } from '../format.js'
import { useEmulatorTime, useRefreshOn } from '../live.js'

/** What the emulator is and holds, live; reset, download and upload its whole state. */
export function OverviewScreen (): JSX.Element {
  const overview = useLoad(async () => await control<Overview>('overview'), 'overview')
  useRefreshOn(['data', 'faults', 'journal', 'clock'], overview.refresh)
  const time = useEmulatorTime()
  const reset = useAction()
  const download = useAction()
  const upload = useAction()
  const [confirm, confirmDialog] = useConfirm()
  const data = overview.data

  const onReset = async (): Promise<void> => {
    if (!await confirm('Reset the emulator? Every instance, org, invite and token made since start-up goes; the seed (if any) comes back, the outbox and journal are emptied, faults removed and the clock set to real time.', 'Reset')) return
    await reset.run(async () => {
      await control('reset', { method: 'POST' })
      await overview.reload()
      return 'The emulator was reset.'
    })
  }
  const onDownload = async (): Promise<void> => {
    await download.run(async () => {
      const snapshot = await control<Snapshot>('snapshot')
      const link = document.createElement('a')
      link.href = URL.createObjectURL(new Blob([JSON.stringify(snapshot, null, 2)], { type: 'application/json' }))
      link.download = `emulator-snapshot-${new Date().toISOString().replace(/[:.]/g, '-')}.json`
      link.click()
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000)
      return `Snapshot downloaded (${link.download}).`
    })
  }
  const onUpload = async (event: Event): Promise<void> => {
    const input = event.currentTarget as HTMLInputElement
    const file = input.files?.[0]
    if (file === undefined) return
    await upload.run(async () => {
      // Sent as it is: the server says what is wrong with a bad file.
      await control('snapshot', { method: 'PUT', body: await file.text() })
      await overview.reload()
      return `Snapshot ${file.name} loaded: it replaced the whole state.`
    })
    input.value = ''
  }

  return (
    <section>
      <ScreenTitle>Overview</ScreenTitle>
      <LoadState loaded={overview} what='the overview' />
      {data !== undefined && (
        <div class='cards'>
          <dl class='card facts'>
            <dt>Version</dt><dd>{data.version}</dd>
            <dt>Database</dt><dd>{data.database === ':memory:' ? 'in memory (kept until the emulator stops)' : <code>{data.database}</code>}</dd>
            <dt>Up for</dt><dd>{duration(time === undefined ? data.uptimeMs : time.now - time.offsetMs - Date.parse(data.startedAt))} (since {dateTime(data.startedAt)})</dd>
            <dt>Emulator clock</dt><dd>{dateTime(new Date(time?.now ?? Date.parse(data.clock.now)).toISOString())}</dd>
            <dt>Offset from real time</dt><dd>{offset(time?.offsetMs ?? data.clock.offsetMs)}</dd>
          </dl>
          <dl class='card counts' aria-label='Counts'>
            <div><dt>Instances</dt><dd>{data.counts.instances}</dd></div>
            <div><dt>Organizations</dt><dd>{data.counts.orgs}</dd></div>
            <div><dt>Invites</dt><dd>{data.counts.invites}</dd></div>
            <div><dt>Outbox messages</dt><dd>{data.counts.outbox}</dd></div>
            <div><dt>Journal entries</dt><dd>{data.journalSize === 0 ? 'off' : data.counts.requests}</dd></div>
            <div><dt>Active faults</dt><dd>{data.counts.faults}</dd></div>
          </dl>
        </div>
      )}
      <h2>State</h2>
      <div class='actions'>
        <div>
          <Button variant='danger' busy={reset.busy} busyLabel='Resetting…' onClick={onReset}>Reset…</Button>
          <OutcomeText outcome={reset.outcome} />
        </div>
        <div>
          <Button busy={download.busy} busyLabel='Preparing…' onClick={onDownload}>Download snapshot</Button>
          <OutcomeText outcome={download.outcome} />
        </div>
        <div>
          <label class='button plain file' aria-busy={upload.busy}>
            {upload.busy ? 'Uploading…' : 'Upload snapshot'}
            <input type='file' accept='application/json,.json' class='visually-hidden' onChange={onUpload} disabled={upload.busy} />
          </label>
          <OutcomeText outcome={upload.outcome} />
        </div>
      </div>
      {confirmDialog}
    </section>
  )
}
