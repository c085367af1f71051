import type { JSX } from 'preact'
import { useState } from 'preact/hooks'
import { control } from '../api.js'
import { Button, Field, focusAfterRender, LoadState, OutcomeText, ScreenTitle, useAction, useConfirm, useLoad } from '../components.js'
import { count, type Instance, type InstanceWithOrgs, listInstances, type Org } from '../instances.js'
import { useRefreshOn } from '../live.js'
import { href } from '../router.js'

/** Instances with their orgs and what each holds, live; create or delete either. An org's name opens its invites. */
export function OrgsScreen (): JSX.Element {
  const instances = useLoad(listInstances, 'instances')
  useRefreshOn(['data'], instances.refresh)
  const list = instances.data ?? []
  const reloadInstances = instances.reload
  const remove = useAction()
  const [confirm, confirmDialog] = useConfirm()

  const deleteInstance = async (instance: InstanceWithOrgs): Promise<void> => {
    const invites = instance.orgs.reduce((sum, org) => sum + org.invites, 0)
    if (!await confirm(`Delete the instance ${instance.name}? Its ${count(instance.orgs.length, 'organization')} and ${count(invites, 'pending invite')} go with it; the e-mails stay in the outbox.`, 'Delete instance')) return
    const ok = await remove.run(async () => {
      await control(`instances/${instance.id}`, { method: 'DELETE' })
      await instances.reload()
      return `Instance ${instance.name} deleted.`
    })
    if (ok) focusAfterRender()
  }
  const deleteOrg = async (instance: InstanceWithOrgs, org: InstanceWithOrgs['orgs'][number]): Promise<void> => {
    if (!await confirm(`Delete the organization ${org.name}? Its ${count(org.invites, 'pending invite')} and ${count(org.members, 'member')} go with it; the e-mails stay in the outbox.`, 'Delete organization')) return
    const ok = await remove.run(async () => {
      await control(`instances/${instance.id}/orgs/${org.id}`, { method: 'DELETE' })
      await instances.reload()
      return `Organization ${org.name} deleted.`
    })
    if (ok) focusAfterRender(() => document.getElementById(`instance-${instance.id}`))
  }

  return (
    <section>
      <ScreenTitle>Instances and orgs</ScreenTitle>
      <LoadState loaded={instances} what='the instances' />
      <OutcomeText outcome={remove.outcome} />
      {instances.data !== undefined && list.length === 0 && <p>No instances yet: create one below (or PUT a snapshot, or start the emulator with <code>--seed</code>).</p>}
      <ul class='tree'>
        {list.map((instance) => (
          <li key={instance.id}>
            <div class='row spread'>
              <h2 id={`instance-${instance.id}`} tabIndex={-1} class='instance'>{instance.name} <code class='muted id'>{instance.id}</code></h2>
              <Button variant='danger' busy={remove.busy} onClick={async () => await deleteInstance(instance)} aria-label={`Delete the instance ${instance.name}`}>Delete…</Button>
            </div>
            {instance.orgs.length === 0
              ? <p class='muted'>No organizations: create one below.</p>
              : (
                <ul aria-label={`Organizations of ${instance.name}`} class='orgs'>
                  {instance.orgs.map((org) => (
                    <li key={org.id} class='org'>
                      <span>
                        <a href={href(['orgs', instance.id, org.id])}>{org.name}</a> <code class='muted id'>{org.id}</code>
                        <span class='muted'> · {count(org.invites, 'invite')}, {count(org.members, 'member')}</span>
                      </span>
                      <Button variant='danger' busy={remove.busy} onClick={async () => await deleteOrg(instance, org)} aria-label={`Delete the organization ${org.name}`}>Delete…</Button>
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
      {confirmDialog}
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
function withoutBlanks (fields: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, value.trim()]).filter(([, value]) => value !== ''))
}
