import type { JSX } from 'preact'
import { useState } from 'preact/hooks'
import { adminToken, type ApiError, control, setAdminToken } from '../api.js'
import { Button, Field, OutcomeText, ScreenTitle, useAction } from '../components.js'

/**
 * Asked when the control plane answers 401: the emulator runs with `--admin-token`. The
 * token is kept in sessionStorage (this tab only) and sent on every control-plane call.
 */
export function AdminTokenScreen ({ refused, onAccepted }: { refused: ApiError, onAccepted: () => void }): JSX.Element {
  const [value, setValue] = useState('')
  const action = useAction()
  const hadToken = adminToken() !== null
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault()
    const accepted = await action.run(async () => {
      setAdminToken(value.trim())
      await control('overview')
    })
    if (accepted) onAccepted()
  }
  return (
    <section>
      <ScreenTitle>Admin token</ScreenTitle>
      <p>
        {hadToken
          ? 'The emulator did not accept the admin token this tab has. Enter the right one.'
          : 'This emulator was started with an admin token (--admin-token): enter it to continue. It is kept for this browser tab only.'}
      </p>
      <p class='muted'>The server said: {refused.message}</p>
      <form onSubmit={submit} class='stack narrow'>
        <Field label='Admin token'>
          <input type='password' required autocomplete='off' value={value} onInput={(e) => setValue(e.currentTarget.value)} />
        </Field>
        <div class='row'>
          <Button type='submit' variant='primary' busy={action.busy} busyLabel='Checking…'>Use this token</Button>
        </div>
        <OutcomeText outcome={action.outcome?.ok === false ? { ok: false, text: `That admin token was not accepted: ${action.outcome.text}` } : undefined} />
      </form>
    </section>
  )
}
