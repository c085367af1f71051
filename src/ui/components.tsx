import { type ButtonHTMLAttributes, cloneElement, type ComponentChildren, type JSX, type VNode } from 'preact'
import { useCallback, useEffect, useId, useRef, useState } from 'preact/hooks'
import { ApiError } from './api.js'

/** What an action says when it ends: the server's message when it failed. */
export interface Outcome { ok: boolean, text: string }

/** Why something failed, as the server said it (`400 Validation: email is required`). */
export function describeError (error: unknown): string {
  if (error instanceof ApiError) return error.status === 0 ? error.message : `${error.status} ${error.type}: ${error.message}`
  return error instanceof Error ? error.message : String(error)
}

/**
 * One action's state: `busy` while it runs, then its outcome. A second run while one is
 * running is ignored (a double click sends one request).
 */
export function useAction (): {
  busy: boolean
  outcome: Outcome | undefined
  run: (work: () => Promise<string | undefined | void>) => Promise<boolean>
  clear: () => void
} {
  const [busy, setBusy] = useState(false)
  const [outcome, setOutcome] = useState<Outcome>()
  const running = useRef(false)
  const mounted = useRef(true)
  useEffect(() => () => { mounted.current = false }, [])
  const run = useCallback(async (work: () => Promise<string | undefined | void>) => {
    if (running.current) return false
    running.current = true
    setBusy(true)
    setOutcome(undefined)
    try {
      const text = await work()
      if (mounted.current) setOutcome(text === undefined ? undefined : { ok: true, text })
      return true
    } catch (error) {
      if (mounted.current) setOutcome({ ok: false, text: describeError(error) })
      return false
    } finally {
      running.current = false
      if (mounted.current) setBusy(false)
    }
  }, [])
  return { busy, outcome, run, clear: useCallback(() => setOutcome(undefined), []) }
}

type ButtonProps = Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'onClick' | 'type'> & {
  busy?: boolean
  /** Shown instead of the label while the action runs. */
  busyLabel?: string
  onClick?: () => unknown
  variant?: 'primary' | 'danger' | 'plain'
  type?: 'button' | 'submit'
  children: ComponentChildren
}

/** A real button; while its action runs it says so and ignores clicks, but keeps its focus. */
export function Button ({ busy = false, busyLabel, onClick, variant = 'plain', type = 'button', children, ...rest }: ButtonProps): JSX.Element {
  return (
    <button
      {...rest}
      type={type}
      class={`button ${variant}`}
      aria-busy={busy}
      aria-disabled={busy}
      onClick={(event) => {
        if (busy) {
          event.preventDefault()
          return
        }
        onClick?.()
      }}
    >
      {busy && <span class='spinner' aria-hidden='true' />}
      {busy && busyLabel !== undefined ? busyLabel : children}
    </button>
  )
}

/** An action's outcome: an alert when it failed (the server's message), a status line when it worked. */
export function OutcomeText ({ outcome }: { outcome: Outcome | undefined }): JSX.Element {
  return (
    <>
      <p role='alert' class='outcome error'>{outcome?.ok === false ? outcome.text : ''}</p>
      <p role='status' class='outcome ok'>{outcome?.ok === true ? outcome.text : ''}</p>
    </>
  )
}

export interface Loaded<T> {
  data: T | undefined
  error: string | undefined
  loading: boolean
  /** Loads again; what is shown stays until the new answer. */
  reload: () => Promise<void>
  /**
   * Loads again without saying so (a change made elsewhere, src/ui/live.ts): no "loading",
   * and while the emulator does not answer what is shown stays (the page says it is
   * unreachable once, above every screen).
   */
  refresh: () => Promise<void>
}

/**
 * Data read from the server: loaded again when `key` changes (what was shown for another
 * key goes at once), or on `reload()` and `refresh()` (what is shown stays until the new answer).
 */
export function useLoad<T> (load: () => Promise<T>, key: string): Loaded<T> {
  const [state, setState] = useState<{ key: string, data?: T, error?: string, loading: boolean }>({ key, loading: true })
  const generation = useRef(0)
  const latestLoad = useRef(load)
  latestLoad.current = load
  // The newest load: an older one that ends after a newer began waits for it, so whoever
  // awaits a reload sees data at least as new as when it asked.
  const newest = useRef<Promise<void>>(Promise.resolve())
  const run = useCallback(async (quiet: boolean): Promise<void> => {
    const mine = ++generation.current
    const kept = (previous: typeof state): T | undefined => previous.key === key ? previous.data : undefined
    if (!quiet) setState((previous) => ({ key, data: kept(previous), loading: true }))
    const attempt = (async () => {
      try {
        const data = await latestLoad.current()
        if (mine === generation.current) setState({ key, data, loading: false })
      } catch (error) {
        if (mine !== generation.current) return
        if (quiet && error instanceof ApiError && error.status === 0) return
        setState((previous) => ({ key, data: kept(previous), error: describeError(error), loading: false }))
      }
    })()
    newest.current = attempt
    await attempt
    while (mine !== generation.current && newest.current !== attempt) {
      const later = newest.current
      await later
      if (newest.current === later) break
    }
    // `load` changes every render (the latest is used); `key` says when what it loads changes.
  }, [key])
  const reload = useCallback(async () => await run(false), [run])
  const refresh = useCallback(async () => await run(true), [run])
  useEffect(() => {
    reload().catch(() => {})
    return () => { generation.current++ }
  }, [reload])
  const current = state.key === key
  return { data: current ? state.data : undefined, error: current ? state.error : undefined, loading: state.loading || !current, reload, refresh }
}

let titlesShown = 0

/**
 * A screen's title, focused when another screen opens (keyboard and screen-reader users
 * land on it); the first screen of a page load leaves the focus at the top.
 */
export function ScreenTitle ({ children }: { children: ComponentChildren }): JSX.Element {
  const ref = useRef<HTMLHeadingElement>(null)
  useEffect(() => { if (titlesShown++ > 0) ref.current?.focus() }, [])
  return <h1 tabIndex={-1} ref={ref}>{children}</h1>
}

/** Loading and load errors of a screen's data. */
export function LoadState ({ loaded, what }: { loaded: Loaded<unknown>, what: string }): JSX.Element | null {
  if (loaded.error !== undefined) return <p role='alert' class='outcome error'>Could not load {what}: {loaded.error}</p>
  if (loaded.loading && loaded.data === undefined) return <p role='status' class='muted'><span class='spinner' aria-hidden='true' />Loading {what}…</p>
  return null
}

/** Asks before a destructive action, in a modal dialog; answers true to go on. */
export function useConfirm (): [(question: string, confirmLabel: string) => Promise<boolean>, JSX.Element] {
  const dialog = useRef<HTMLDialogElement>(null)
  const [text, setText] = useState({ question: '', confirmLabel: '' })
  const resolver = useRef<((answer: boolean) => void) | undefined>(undefined)
  const opener = useRef<HTMLElement | null>(null)
  const ask = useCallback(async (question: string, confirmLabel: string) => {
    opener.current = document.activeElement as HTMLElement | null
    setText({ question, confirmLabel })
    dialog.current?.showModal()
    return await new Promise<boolean>((resolve) => { resolver.current = resolve })
  }, [])
  const answer = (value: boolean): void => {
    dialog.current?.close()
    // Back where the question came from; after a yes, the action moves it on when it removed that.
    if (opener.current?.isConnected === true) opener.current.focus()
    resolver.current?.(value)
    resolver.current = undefined
  }
  const element = (
    <dialog ref={dialog} aria-labelledby='confirm-question' onCancel={() => answer(false)}>
      <p id='confirm-question'>{text.question}</p>
      <div class='row'>
        <Button variant='danger' onClick={() => answer(true)}>{text.confirmLabel}</Button>
        <Button onClick={() => answer(false)} autofocus>Cancel</Button>
      </div>
    </dialog>
  )
  return [ask, element]
}

/**
 * Copies text to the clipboard. `navigator.clipboard` exists only in a secure context
 * (https, or localhost); elsewhere (a proxy on a LAN address) the text is selected for Ctrl+C.
 */
export function CopyButton ({ text, label, name }: { text: string, label: string, name?: string }): JSX.Element {
  const [done, setDone] = useState<string>()
  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(text)
      setDone('Copied')
    } catch {
      setDone('Copying is not allowed here: select the text and press Ctrl+C')
    }
  }
  return (
    <span class='copy'>
      <Button onClick={copy} aria-label={name}>{label}</Button>
      <span role='status' class='muted'>{done ?? ''}</span>
    </span>
  )
}

/** A labelled form field: one control, named by its label and described by its hint. */
export function Field ({ label, hint, children }: { label: string, hint?: string, children: VNode<{ id?: string }> }): JSX.Element {
  const id = useId()
  return (
    <div class='field'>
      <label for={id} class='label'>{label}</label>
      {cloneElement(children, { id, 'aria-describedby': hint === undefined ? undefined : `${id}-hint` })}
      {hint !== undefined && <span id={`${id}-hint`} class='hint'>{hint}</span>}
    </div>
  )
}

/**
 * Moves the focus once the screen has re-rendered (after an action that removed what had
 * it): to the first of `candidates` that is on the page, else the screen's title.
 */
export function focusAfterRender (...candidates: Array<() => HTMLElement | null | undefined>): void {
  setTimeout(() => {
    for (const find of candidates) {
      const element = find()
      if (element?.isConnected === true) {
        element.focus()
        return
      }
    }
    document.querySelector<HTMLElement>('main h1')?.focus()
  }, 0)
}

/** Preformatted text that may scroll: focusable, so a keyboard can scroll it too, and named. */
export function Preformatted ({ label, children, class: className }: { label: string, children: ComponentChildren, class?: string }): JSX.Element {
  return <pre tabIndex={0} role='group' aria-label={label} class={className}>{children}</pre>
}
