import { EventSourceParserStream } from 'eventsource-parser/stream'
import { useEffect, useRef, useState } from 'preact/hooks'
import type { Changes } from '../schemas/control.js'
import { adminHeaders, ApiError, control, controlUrl, UI_MARK } from './api.js'

/**
 * The page follows the emulator's state through one stream of versions
 * (GET /_emulator/changes/stream, README's control plane): each screen reloads what it
 * shows when a version it depends on moves, whoever made the change (your app, a test,
 * another tab). The same stream says whether the emulator answers at all.
 */

/** The parts of the state a screen can depend on (the versions of GET /_emulator/changes). */
export type Topic = 'data' | 'faults' | 'journal' | 'clock'
const TOPICS: readonly Topic[] = ['data', 'faults', 'journal', 'clock']

/**
 * `live`: the stream is open. `polling`: it cannot be opened (a proxy that does not pass
 * it), the versions are read every second instead. `unreachable`: the emulator does not
 * answer (stopped, or the network is down); the page keeps trying.
 */
type Connection = 'connecting' | 'live' | 'polling' | 'unreachable'

export interface LiveState {
  connection: Connection
  /** The last versions read, and when (this browser's clock). */
  changes: Changes | undefined
  receivedAt: number
  /** When the emulator stopped answering (this browser's clock). */
  unreachableSince: number | undefined
  /** How many times the page got the emulator back after it was unreachable. */
  recoveries: number
}

const POLL_MS = 1000
/** While polling works, the stream is tried again this often. */
const STREAM_RETRY_MS = 5000
/** While the emulator does not answer, it is tried this often. */
const UNREACHABLE_RETRY_MS = 2000

type Listener = (state: LiveState, changed: ReadonlySet<Topic>) => void

class Follower {
  state: LiveState = { connection: 'connecting', changes: undefined, receivedAt: 0, unreachableSince: undefined, recoveries: 0 }
  readonly #listeners = new Set<Listener>()
  #started = false
  #pollTimer: ReturnType<typeof setInterval> | undefined
  #retryTimer: ReturnType<typeof setTimeout> | undefined
  /** A stream is being opened or is open: one at a time. */
  #streaming = false

  subscribe (listener: Listener): () => void {
    this.#listeners.add(listener)
    if (!this.#started) {
      this.#started = true
      this.#stream().catch(() => {})
    }
    return () => { this.#listeners.delete(listener) }
  }

  /** New versions: `fresh` after a (re)connection, when anything may have changed meanwhile. */
  #apply (changes: Changes, connection: Connection, fresh: boolean): void {
    const before = this.state.changes
    const changed = new Set<Topic>(fresh || before === undefined ? TOPICS : [])
    if (before !== undefined && !fresh) {
      if (before.data !== changes.data) changed.add('data')
      if (before.faults !== changes.faults) changed.add('faults')
      if (before.journal.lastId !== changes.journal.lastId || before.journal.length !== changes.journal.length) changed.add('journal')
      if (before.clock.offsetMs !== changes.clock.offsetMs) changed.add('clock')
    }
    const recovered = this.state.connection === 'unreachable'
    this.#set({
      connection,
      changes,
      receivedAt: Date.now(),
      unreachableSince: undefined,
      recoveries: this.state.recoveries + (recovered ? 1 : 0)
    }, changed)
  }

  #set (state: LiveState, changed: ReadonlySet<Topic> = new Set()): void {
    this.state = state
    for (const listener of this.#listeners) listener(state, changed)
  }

  #unreachable (): void {
    if (this.state.connection !== 'unreachable') this.#set({ ...this.state, connection: 'unreachable', unreachableSince: Date.now() })
  }

  async #stream (): Promise<void> {
    if (this.#streaming) return
    this.#streaming = true
    clearTimeout(this.#retryTimer)
    let fresh = true
    try {
      const response = await fetch(controlUrl('changes/stream'), {
        headers: { ...adminHeaders(), ...UI_MARK, accept: 'text/event-stream' },
        cache: 'no-store'
      })
      if (!response.ok || response.body === null) throw new Error(`the stream answered ${response.status}`)
      this.#stopPolling()
      const reader = response.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream()).getReader()
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        if (value.event !== 'change') continue
        this.#apply(JSON.parse(value.data) as Changes, 'live', fresh)
        fresh = false
      }
    } catch {
      // Not opened, or dropped: see below whether the emulator answers at all.
    }
    this.#streaming = false
    await this.#poll(true)
  }

  /** Reads the versions once: polling when that works, unreachable when nothing answers. */
  async #poll (afterStream = false): Promise<void> {
    try {
      const changes = await control<Changes>('changes')
      this.#apply(changes, 'polling', afterStream && this.state.connection !== 'polling')
      this.#pollTimer ??= setInterval(() => { this.#poll().catch(() => {}) }, POLL_MS)
      if (afterStream) this.#retryTimer = setTimeout(() => { this.#stream().catch(() => {}) }, STREAM_RETRY_MS)
    } catch (error) {
      if (error instanceof ApiError && error.status !== 0) {
        // It answers, but refuses (the admin token): the screens say so; try again later.
        if (afterStream) this.#retryTimer = setTimeout(() => { this.#stream().catch(() => {}) }, STREAM_RETRY_MS)
        return
      }
      this.#stopPolling()
      this.#unreachable()
      clearTimeout(this.#retryTimer)
      this.#retryTimer = setTimeout(() => { this.#stream().catch(() => {}) }, UNREACHABLE_RETRY_MS)
    }
  }

  /** Tries the stream again now (the admin token was just accepted), unless it is open. */
  reconnect (): void {
    if (this.#started && this.state.connection !== 'live') this.#stream().catch(() => {})
  }

  #stopPolling (): void {
    clearInterval(this.#pollTimer)
    this.#pollTimer = undefined
  }
}

const follower = new Follower()

/** Opens the stream now if it is not open (after the admin token was accepted). */
export function reconnect (): void {
  follower.reconnect()
}

/** The connection and the last versions, re-rendered when they change. */
export function useLive (): LiveState {
  const [state, setState] = useState(follower.state)
  useEffect(() => follower.subscribe((next) => setState(next)), [])
  return state
}

/**
 * Calls `refresh` when one of `topics` changed (a change made by anyone, or the page back
 * after the emulator was unreachable). One refresh at a time: changes that arrive during
 * one are caught by one more after it.
 */
export function useRefreshOn (topics: readonly Topic[], refresh: () => Promise<unknown>): void {
  const latest = useRef(refresh)
  latest.current = refresh
  const key = topics.join(',')
  useEffect(() => {
    let running = false
    let again = false
    const run = async (): Promise<void> => {
      if (running) {
        again = true
        return
      }
      running = true
      try {
        do {
          again = false
          await latest.current().catch(() => {})
        } while (again)
      } finally {
        running = false
      }
    }
    return follower.subscribe((_state, changed) => {
      if (topics.some((topic) => changed.has(topic))) run().catch(() => {})
    })
  }, [key])
}

/**
 * The emulator's time, ticking every second: its clock as last read, moved on by this
 * browser's clock since. Undefined until first read.
 */
export function useEmulatorTime (): { now: number, offsetMs: number } | undefined {
  const live = useLive()
  const [, tick] = useState(0)
  useEffect(() => {
    const timer = setInterval(() => tick((n) => n + 1), 1000)
    return () => clearInterval(timer)
  }, [])
  const clock = live.changes?.clock
  if (clock === undefined) return undefined
  return { now: Date.parse(clock.now) + (Date.now() - live.receivedAt), offsetMs: clock.offsetMs }
}
