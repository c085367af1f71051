/** How the UI writes times and durations. */

const UNITS: Array<[string, number]> = [['d', 86_400_000], ['h', 3_600_000], ['min', 60_000], ['s', 1000]]

// Made once: toLocaleString with options builds a new formatter on every call (a page of
// invites formats a hundred dates).
const DATE_TIME = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' })
const TIME_OF_DAY = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false })

/** `3 d 4 h`, `12 min 5 s`, `0 s`: the two largest units. */
export function duration (ms: number): string {
  const sign = ms < 0 ? '−' : ''
  let rest = Math.abs(ms)
  const parts: string[] = []
  for (const [unit, size] of UNITS) {
    if (rest >= size || (unit === 's' && parts.length === 0)) {
      parts.push(`${Math.floor(rest / size)} ${unit}`)
      rest %= size
    }
    if (parts.length === 2) break
  }
  return sign + parts.join(' ')
}

/** An offset from real time: `+8 d`, `−1 h`, `none`. */
export function offset (ms: number): string {
  return ms === 0 ? 'none (real time)' : `${ms > 0 ? '+' : ''}${duration(ms)}`
}

/** Local date and time, to the second. */
export function dateTime (iso: string): string {
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? iso : DATE_TIME.format(date)
}

/** Time of day with milliseconds, for the journal. */
export function timeOfDay (iso: string): string {
  const date = new Date(iso)
  return `${TIME_OF_DAY.format(date)}.${String(date.getMilliseconds()).padStart(3, '0')}`
}
