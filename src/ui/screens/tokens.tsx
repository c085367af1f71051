import type { JSX } from 'preact'
import { useState } from 'preact/hooks'
import type { Static } from '@sinclair/typebox'
import type { TokenRequest, TokenSchema } from '../../schemas/control.js'
import { control } from '../api.js'
import { Button, CopyButton, Field, focusAfterRender, OutcomeText, ScreenTitle, useAction, useLoad } from '../components.js'
import { dateTime } from '../format.js'
import { listInstances } from '../instances.js'

type MintedToken = Static<typeof TokenSchema>

/** The scopes the invite endpoints accept (README, the Losant API). */
const SCOPES = [
  'all.Instance', 'all.Instance.read', 'all.Instance.bounded', 'all.User', 'all.User.read',
  'instanceOrgInvites.*', 'instanceOrgInvites.get', 'instanceOrgInvites.post',
  'instanceOrgInvite.*', 'instanceOrgInvite.get', 'instanceOrgInvite.delete', 'instanceOrgInvite.resendInvite'
]

/** Mints a bearer token with chosen scopes; it is shown once. */
export function TokensScreen (): JSX.Element {
  const instances = useLoad(listInstances, 'instances')
  const action = useAction()
  const [minted, setMinted] = useState<MintedToken>()
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault()
    const form = new FormData(event.currentTarget as HTMLFormElement)
    const others = String(form.get('otherScopes') ?? '').split(/[\s,]+/).filter((s) => s !== '')
    const request: TokenRequest = { scope: [...form.getAll('scope').map(String), ...others] }
    const instanceId = String(form.get('instanceId') ?? '')
    if (instanceId !== '') request.instanceId = instanceId
    const expiresIn = String(form.get('expiresIn') ?? '').trim()
    if (expiresIn !== '') request.expiresIn = Number(expiresIn)
    // A refused mint leaves the token minted before on screen.
    const ok = await action.run(async () => {
      setMinted(await control<MintedToken>('tokens', { method: 'POST', body: request }))
    })
    if (ok) focusAfterRender(() => document.getElementById('minted-title'))
  }
  return (
    <section>
      <ScreenTitle>Tokens</ScreenTitle>
      <p>A token for your app or <code>curl</code>: signed with the emulator's key, it works until it expires, across resets and restarts.</p>
      <div class='cards'>
        <form class='card stack' onSubmit={submit} noValidate aria-labelledby='mint-title'>
          <h2 id='mint-title'>Mint a token</h2>
          <fieldset>
            <legend>Scopes</legend>
            <div class='checks'>
              {SCOPES.map((scope) => (
                <label key={scope} class='check'><input type='checkbox' name='scope' value={scope} defaultChecked={scope === 'all.Instance'} /> <code>{scope}</code></label>
              ))}
            </div>
            <Field label='Other scopes' hint='space or comma separated'><input name='otherScopes' spellcheck={false} /></Field>
          </fieldset>
          <Field label='Instance' hint='a token with an instance works on that instance only'>
            <select name='instanceId'>
              <option value=''>Any instance</option>
              {(instances.data ?? []).map((instance) => <option key={instance.id} value={instance.id}>{instance.name} ({instance.id})</option>)}
            </select>
          </Field>
          <Field label='Expires in (seconds)' hint='blank: never'><input name='expiresIn' type='number' min={1} inputMode='numeric' /></Field>
          <div class='row'><Button type='submit' variant='primary' busy={action.busy} busyLabel='Minting…'>Mint token</Button></div>
          <OutcomeText outcome={action.outcome} />
        </form>
        {minted !== undefined && (
          <section class='card stack' aria-labelledby='minted-title'>
            <h2 id='minted-title' tabIndex={-1}>Your token</h2>
            <p><strong>Shown once:</strong> copy it now. Leaving this screen forgets it.</p>
            <Field label='Token'><textarea readOnly rows={4} value={minted.token} spellcheck={false} class='token' /></Field>
            <CopyButton text={minted.token} label='Copy token' />
            <dl class='facts'>
              <dt>Scopes</dt><dd>{minted.scope.join(', ')}</dd>
              <dt>Instance</dt><dd>{minted.instanceId ?? 'any'}</dd>
              <dt>Expires</dt><dd>{minted.expiresAt === undefined ? 'never' : dateTime(minted.expiresAt)}</dd>
            </dl>
          </section>
        )}
      </div>
    </section>
  )
}
