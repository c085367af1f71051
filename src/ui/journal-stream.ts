import { EventSourceParserStream } from 'eventsource-parser/stream'
import type { JournalEntry } from '../schemas/harness.js'
import { adminHeaders, control, controlUrl, UI_MARK } from './api.js'

/** How the journal is followed: the live stream, or polling while the stream cannot be opened. */
export type FollowMode = 'connecting' | 'live' | 'polling'

/** The server-side filters of the journal (GET /_emulator/requests). */
export interface JournalFilter {
  method?: string
  path?: string
  instanceId?: string
  orgId?: string
}

const POLL_MS = 1000
const STREAM_RETRY_MS = 5000
/** New entries are handed over at most this often (a burst of requests renders once). */
const FLUSH_MS = 100
/** The most entries one poll asks for. */
export const MAX_ENTRIES = 500

/**
 * Follows the request journal from entry `after` on: the server-sent-events stream
 * (GET /_emulator/requests/stream, read with fetch so the admin token goes in a header),
 * and while it cannot be opened or has dropped, GET /_emulator/requests every second,
 * trying the stream again every few seconds. `onEntries` gets new entries, oldest first.
 * Answers the function that stops it.
 */
export function followJournal (
  filter: JournalFilter,
  after: number,
  onEntries: (entries: JournalEntry[]) => void,
  onMode: (mode: FollowMode) => void
): () => void {
  let lastId = after
  let stopped = false
  const abort = new AbortController()
  let pending: JournalEntry[] = []
  let flushTimer: ReturnType<typeof setTimeout> | undefined
  let pollTimer: ReturnType<typeof setInterval> | undefined
  let retryTimer: ReturnType<typeof setTimeout> | undefined

  const deliver = (entries: JournalEntry[]): void => {
    for (const entry of entries) {
      if (entry.id <= lastId) continue
      lastId = entry.id
      pending.push(entry)
    }
    if (pending.length === 0 || flushTimer !== undefined) return
    flushTimer = setTimeout(() => {
      flushTimer = undefined
      const batch = pending
      pending = []
      if (!stopped) onEntries(batch)
    }, FLUSH_MS)
  }

  const poll = async (): Promise<void> => {
    try {
      const entries = await control<JournalEntry[]>('requests', { query: { ...filter, limit: MAX_ENTRIES } })
      deliver(entries.reverse())
    } catch {
      // The next poll tries again; the screen keeps what it has.
    }
  }
  const startPolling = (): void => {
    onMode('polling')
    pollTimer ??= setInterval(poll, POLL_MS)
  }
  const stopPolling = (): void => {
    clearInterval(pollTimer)
    pollTimer = undefined
  }

  const stream = async (): Promise<void> => {
    try {
      const response = await fetch(controlUrl('requests/stream', { ...filter, after: lastId }), {
        headers: { ...adminHeaders(), ...UI_MARK, accept: 'text/event-stream' },
        cache: 'no-store',
        signal: abort.signal
      })
      if (!response.ok || response.body === null) throw new Error(`the stream answered ${response.status}`)
      stopPolling()
      onMode('live')
      const reader = response.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream()).getReader()
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        if (value.event === 'request') deliver([JSON.parse(value.data) as JournalEntry])
      }
    } catch {
      // Not opened, or dropped: poll meanwhile.
    }
    if (stopped) return
    startPolling()
    retryTimer = setTimeout(stream, STREAM_RETRY_MS)
  }

  onMode('connecting')
  stream().catch(() => {})
  return () => {
    stopped = true
    abort.abort()
    stopPolling()
    clearTimeout(retryTimer)
    clearTimeout(flushTimer)
  }
}
