import type { JournalEntry } from '../schemas/harness.js'
import type { Journal } from './journal.js'
import type { RequestMatcher } from './match.js'

/** One open event stream, as the route made it. */
export interface StreamClient {
  /** Which entries it wants. */
  matches: RequestMatcher
  /** Its filters as a key: clients with equal keys are sent the same bytes. */
  filterKey: string
  /** Queues bytes for it; answers how many bytes were still waiting for it to read (queued, unsent) before these. */
  send: (bytes: Buffer) => number
  /** Ends the stream (the server stops). */
  end: () => void
  /** Drops the connection (a client too slow to read). */
  drop: () => void
}

export interface JournalStreamOptions {
  /** How long events gather before they go out together. */
  batchMs?: number
  /**
   * A client that still had more than this waiting for it when the next bytes came is
   * dropped: it reconnects and catches up from the journal. (Not counting the bytes just
   * sent: a batch of large events is no sign of a slow client.)
   */
  maxUnreadBytes?: number
  /** A comment line this often keeps proxies from closing an idle stream. */
  keepAliveMs?: number
}

/**
 * The journal's live stream (GET /_emulator/requests/stream), for any number of clients:
 * each entry is serialized once, as a server-sent event, and the events gathered over
 * `batchMs` go out as one write per client, the same bytes (one Buffer) for every client
 * with the same filters. So 200 open streams cost about 200 writes per batch, not 200
 * serializations and writes per request; and a client that stops reading holds
 * references to those shared Buffers, at most `maxUnreadBytes` of them, not copies.
 */
export class JournalStream {
  readonly #journal: Journal
  readonly #batchMs: number
  readonly #maxUnreadBytes: number
  readonly #keepAliveMs: number
  /** Each client, with the first entry id it is owed (entries recorded before it came are not its). */
  readonly #clients = new Map<StreamClient, { fromId: number }>()
  #pending: JournalEntry[] = []
  #batch: NodeJS.Timeout | undefined
  #keepAlive: NodeJS.Timeout | undefined
  #unsubscribe: (() => void) | undefined

  constructor (journal: Journal, options: JournalStreamOptions = {}) {
    this.#journal = journal
    this.#batchMs = options.batchMs ?? 100
    this.#maxUnreadBytes = options.maxUnreadBytes ?? 1024 * 1024
    this.#keepAliveMs = options.keepAliveMs ?? 15_000
  }

  /**
   * Starts sending `client` the entries recorded from now on; answers the function that
   * stops it. What it was owed before (`after`, Last-Event-ID) the route sends first.
   */
  add (client: StreamClient): () => void {
    this.#clients.set(client, { fromId: this.#journal.lastId + 1 })
    if (this.#unsubscribe === undefined) {
      this.#unsubscribe = this.#journal.subscribe((entry) => this.#record(entry))
      this.#keepAlive = setInterval(() => this.#sendAll(KEEP_ALIVE), this.#keepAliveMs)
    }
    return () => this.#remove(client)
  }

  /** Sends an event to one client now (what it is owed from before it came); false once it was dropped. */
  sendNow (client: StreamClient, entries: readonly JournalEntry[]): boolean {
    if (entries.length === 0) return true
    return this.#deliver(client, Buffer.from(entries.map(eventText).join('')))
  }

  /** Ends every stream (the server stops: nothing to wait for). */
  endAll (): void {
    for (const client of [...this.#clients.keys()]) {
      this.#remove(client)
      client.end()
    }
  }

  #remove (client: StreamClient): void {
    if (!this.#clients.delete(client) || this.#clients.size > 0) return
    this.#unsubscribe?.()
    this.#unsubscribe = undefined
    clearInterval(this.#keepAlive)
    clearTimeout(this.#batch)
    this.#batch = undefined
    this.#pending = []
  }

  #record (entry: JournalEntry): void {
    this.#pending.push(entry)
    this.#batch ??= setTimeout(() => this.#flush(), this.#batchMs)
  }

  #flush (): void {
    this.#batch = undefined
    const entries = this.#pending
    this.#pending = []
    if (entries.length === 0) return
    const texts = entries.map(eventText)
    const firstId = entries[0]!.id
    // One Buffer per set of filters, shared by every client that has them.
    const shared = new Map<string, Buffer | null>()
    for (const [client, state] of [...this.#clients]) {
      let bytes: Buffer | null | undefined
      if (state.fromId <= firstId) {
        bytes = shared.get(client.filterKey)
        if (bytes === undefined) {
          bytes = select(entries, texts, client.matches, 0)
          shared.set(client.filterKey, bytes)
        }
      } else {
        // Came during this batch: only what was recorded since.
        bytes = select(entries, texts, client.matches, state.fromId)
        state.fromId = 0
      }
      if (bytes !== null) this.#deliver(client, bytes)
    }
  }

  #sendAll (bytes: Buffer): void {
    for (const client of [...this.#clients.keys()]) this.#deliver(client, bytes)
  }

  /** False when the client had too much waiting and was dropped. */
  #deliver (client: StreamClient, bytes: Buffer): boolean {
    if (client.send(bytes) <= this.#maxUnreadBytes) return true
    this.#remove(client)
    client.drop()
    return false
  }
}

const KEEP_ALIVE = Buffer.from(': keep-alive\n\n')

/** The server-sent event for an entry. */
function eventText (entry: JournalEntry): string {
  return `id: ${entry.id}\nevent: request\ndata: ${JSON.stringify(entry)}\n\n`
}

/** The events of the entries `matches` takes (from `fromId` on), as one Buffer; null for none. */
function select (entries: readonly JournalEntry[], texts: readonly string[], matches: RequestMatcher, fromId: number): Buffer | null {
  let text = ''
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!
    if (entry.id >= fromId && matches({ method: entry.method, path: entry.path, instanceId: entry.instanceId, orgId: entry.orgId })) text += texts[i]
  }
  return text === '' ? null : Buffer.from(text)
}
