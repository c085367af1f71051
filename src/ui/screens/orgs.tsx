import type { JSX } from 'preact'
import { useState } from 'preact/hooks'
import { control } from '../api.js'
import { Button, Field, LoadState, OutcomeText, ScreenTitle, useAction, useLoad } from '../components.js'
import { type Instance, listInstances, type Org } from '../instances.js'
import { href } from '../router.js'

/** Instances with their orgs; create either. An org's name opens its invites. */
export function OrgsScreen (): JSX.Element {
  const instances = useLoad(listInstances, 'instances')
  const list = instances.data ?? []
  const reloadInstances = instances.reload
  return (
    <section>
      <ScreenTitle>Instances and orgs</ScreenTitle>
      <LoadState loaded={instances} what='the instances' />
      {instances.data !== undefined && list.length === 0 && <p>No instances yet: create one below.</p>}
      <ul class='tree'>
        {list.map((instance) => (
          <li key={instance.id}>
            <p><strong>{instance.name}</strong> <code class='muted'>{instance.id}</code></p>
            {instance.orgs.length === 0
              ? <p class='muted'>No organizations.</p>
              : (
                <ul aria-label={`Organizations of ${instance.name}`}>
                  {instance.orgs.map((org) => (
                    <li key={org.id}>
                      <a href={href(['orgs', instance.id, org.id])}>{org.name}</a> <code class='muted'>{org.id}</code>
                    </li>
                  ))}
                </ul>
                )}
          </li>
        ))}
      </ul>
      <div class='cards'>
        <CreateInstance onCreated={reloadInstances} />
        {list.length > 0 && <CreateOrg instances={list} onCreated={reloadInstances} />}
      </div>
    </section>
  )
}

function CreateInstance ({ onCreated }: { onCreated: () => Promise<void> }): JSX.Element {
  const [name, setName] = useState('')
  const [id, setId] = useState('')
  const action = useAction()
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault()
    await action.run(async () => {
      const created = await control<Instance>('instances', { method: 'POST', body: withoutBlanks({ name, id }) })
      setName('')
      setId('')
      await onCreated()
      return `Instance ${created.name} created (${created.id}).`
    })
  }
  return (
    <form class='card stack' onSubmit={submit} aria-labelledby='new-instance'>
      <h2 id='new-instance'>New instance</h2>
      <Field label='Name' hint='optional'><input value={name} onInput={(e) => setName(e.currentTarget.value)} /></Field>
      <Field label='Id' hint='optional: 24 hex characters, generated when blank'><input value={id} onInput={(e) => setId(e.currentTarget.value)} spellcheck={false} /></Field>
      <div class='row'><Button type='submit' variant='primary' busy={action.busy} busyLabel='Creating…'>Create instance</Button></div>
      <OutcomeText outcome={action.outcome} />
    </form>
  )
}

function CreateOrg ({ instances, onCreated }: { instances: Instance[], onCreated: () => Promise<void> }): JSX.Element {
  const [instanceId, setInstanceId] = useState(instances[0]?.id ?? '')
  const [name, setName] = useState('')
  const [id, setId] = useState('')
  const action = useAction()
  const chosen = instances.some((instance) => instance.id === instanceId) ? instanceId : instances[0]?.id ?? ''
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault()
    await action.run(async () => {
      const created = await control<Org>(`instances/${chosen}/orgs`, { method: 'POST', body: withoutBlanks({ name, id }) })
      setName('')
      setId('')
      await onCreated()
      return `Organization ${created.name} created (${created.id}).`
    })
  }
  return (
    <form class='card stack' onSubmit={submit} aria-labelledby='new-org'>
      <h2 id='new-org'>New organization</h2>
      <Field label='In instance'>
        <select value={chosen} onChange={(e) => setInstanceId(e.currentTarget.value)}>
          {instances.map((instance) => <option key={instance.id} value={instance.id}>{instance.name}</option>)}
        </select>
      </Field>
      <Field label='Name' hint='optional'><input value={name} onInput={(e) => setName(e.currentTarget.value)} /></Field>
      <Field label='Id' hint='optional: 24 hex characters, generated when blank'><input value={id} onInput={(e) => setId(e.currentTarget.value)} spellcheck={false} /></Field>
      <div class='row'><Button type='submit' variant='primary' busy={action.busy} busyLabel='Creating…'>Create organization</Button></div>
      <OutcomeText outcome={action.outcome} />
    </form>
  )
}

/** The fields a person filled in (blank ones are left to the server's defaults). */
export function withoutBlanks (fields: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, value.trim()]).filter(([, value]) => value !== ''))
}
