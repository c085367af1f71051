/**
 * Glob filters for invite listings, in micromatch's syntax but without its regular
 * expressions: micromatch compiles `*a*a*a*b` to a backtracking regex that takes seconds
 * on a long email (and never finishes with a few more stars), stalling a one-threaded
 * server. Here a pattern is parsed once into fixed-width segments separated by stars and
 * matched greedily, leftmost first, which is exact for this shape of pattern and runs in
 * time linear in the value (times the pattern's width in 32-bit words for segments that
 * hold wildcards).
 *
 * Syntax (case-insensitive, whole value): `*` any run of characters including none,
 * `?` one character, `[abc]` `[a-z]` a class, `[^a]` a negated class (`[!a]` is the
 * class of `!` and `a`, as in micromatch), `{a,b}` alternatives (nested,
 * at most MAX_ALTERNATIVES in all, of MAX_EXPANDED_POSITIONS positions together), `\x` the character x. A leading `!` is an ordinary
 * character (no negation). Anything else stands for itself, including an unclosed `[` or
 * `{`, brace ranges (`{1..3}`) and extglobs (`@(a|b)`).
 */

const MAX_ALTERNATIVES = 32
/**
 * Most positions (characters, `?`s and classes; stars not counted) in all of a pattern's
 * brace alternatives together: each alternative is matched on its own, so a pattern's cost
 * is their total size. A pattern without braces never reaches it (filters are at most 256
 * characters); 32 alternatives of 234 positions each would cost 30 times a plain filter.
 */
const MAX_EXPANDED_POSITIONS = 512

/** Its message completes `<parameter> has ...`: `more than 32 brace alternatives`. */
export class GlobTooComplexError extends Error {}

type Atom =
  | { kind: 'char', code: number }
  | { kind: 'any' }
  | { kind: 'class', negated: boolean, ranges: number[] }

interface Alternative {
  /** Fixed-width runs between stars; `segments.length - 1` stars in all. */
  segments: Segment[]
  minLength: number
  /** Characters every match holds (as `characterBit`s), once or more and twice or more. */
  once: number
  twice: number
}

export interface CompiledGlob {
  matches: (value: string) => boolean
  /** `matches` for a value already in lower case, as stored emails are: saves lower-casing it again. */
  matchesLowerCase: (value: string) => boolean
  /**
   * `matchesLowerCase` given the value's `characterPresence` (kept by a caller that matches
   * the same values again): with brace alternatives, those the value lacks characters for
   * are skipped without reading the value at all.
   */
  matchesLowerCaseGiven: (value: string, once: number, twice: number) => boolean
  /** True when the pattern has brace alternatives: `matchesLowerCaseGiven` then saves a pass. */
  screensAlternatives: boolean
  /** Characters every match starts with (lower-case); '' when there is no such run. */
  literalPrefix: string
  /** Characters every match ends with (lower-case); '' when there is no such run. */
  literalSuffix: string
  /** True when the pattern has no wildcard at all: it matches exactly `literalPrefix`. */
  exact: boolean
  /**
   * Characters every match contains (lower-case): the longest run of plain characters in
   * the pattern; '' when there is none or when braces give alternatives. Lets the store
   * drop non-candidates with SQLite's instr() before the glob runs.
   */
  requiredLiteral: string
}

/**
 * Compiles a pattern; throws GlobTooComplexError past MAX_ALTERNATIVES brace alternatives
 * or MAX_EXPANDED_POSITIONS positions in all of them.
 */
export function compileGlob (pattern: string): CompiledGlob {
  // The last patterns compiled, kept (a test loop filters with the same few again and
  // again; 32 alternatives take about 0.4 ms to compile). A compiled glob holds no state
  // between calls: its segments' shift-and state is scratch, used within one match.
  // Patterns over the budget are kept too, as their error: each would be expanded and
  // parsed again (32 alternatives of up to 256 positions) only to be refused.
  let glob = recentGlobs.get(pattern)
  if (glob === undefined) {
    try {
      glob = compileUncached(pattern)
    } catch (error) {
      if (!(error instanceof GlobTooComplexError)) throw error
      glob = error
    }
    if (recentGlobs.size >= RECENT_GLOBS) recentGlobs.delete(recentGlobs.keys().next().value!)
    recentGlobs.set(pattern, glob)
  }
  if (glob instanceof GlobTooComplexError) throw glob
  return glob
}

const RECENT_GLOBS = 32
const recentGlobs = new Map<string, CompiledGlob | GlobTooComplexError>()

function compileUncached (pattern: string): CompiledGlob {
  const alternatives = expandBraces(pattern.toLowerCase()).map(parseAlternative)
  if (alternatives.length > 1) {
    let positions = 0
    for (const alternative of alternatives) positions += alternative.minLength
    if (positions > MAX_EXPANDED_POSITIONS) {
      throw new GlobTooComplexError(`more than ${MAX_EXPANDED_POSITIONS} characters in its brace alternatives together`)
    }
  }
  const single = alternatives.length === 1 ? alternatives[0] : undefined
  const exact = single !== undefined && single.segments.length === 1 && single.segments[0]!.literal !== null
  const [head, ...rest] = alternatives as [Alternative, ...Alternative[]]
  // Performance (docs/PERFORMANCE.md, g): with alternatives, which characters a value holds
  // once and twice or more rules out most of them before any is searched.
  const screened = (lower: string, once: number, twice: number, from: number): boolean => {
    for (let i = from; i < alternatives.length; i++) {
      const alternative = alternatives[i]!
      if ((alternative.once & ~once) !== 0 || (alternative.twice & ~twice) !== 0) continue
      if (matchAlternative(alternative, lower)) return true
    }
    return false
  }
  const matchesLowerCase = rest.length === 0
    ? (lower: string): boolean => matchAlternative(head, lower)
    : (lower: string): boolean => {
        // A long value tries the first alternative before the pass over its characters,
        // which costs as much as a search.
        const long = lower.length > SHORT_VALUE
        if (long && matchAlternative(head, lower)) return true
        const presence = characterPresence(lower)
        return screened(lower, presence.once, presence.twice, long ? 1 : 0)
      }
  return {
    matches: (value) => matchesLowerCase(value.toLowerCase()),
    matchesLowerCase,
    matchesLowerCaseGiven: rest.length === 0 ? matchesLowerCase : (lower, once, twice) => screened(lower, once, twice, 0),
    screensAlternatives: rest.length > 0,
    literalPrefix: single === undefined ? '' : leadingLiteral(single.segments[0]!),
    literalSuffix: single === undefined ? '' : trailingLiteral(single.segments[single.segments.length - 1]!),
    exact,
    requiredLiteral: single === undefined ? '' : longestLiteral(single.segments)
  }
}

function matchAlternative ({ segments, minLength }: Alternative, value: string): boolean {
  if (value.length < minLength) return false
  const first = segments[0]!
  if (segments.length === 1) return value.length === first.width && first.matchesAt(value, 0)
  const last = segments[segments.length - 1]!
  const end = value.length - last.width
  if ((first.width > 0 && !first.matchesAt(value, 0)) || (last.width > 0 && !last.matchesAt(value, end))) return false
  let position = first.width
  for (let i = 1; i < segments.length - 1; i++) {
    const segment = segments[i]!
    const found = segment.search(value, position, end - segment.width)
    if (found < 0) return false
    position = found + segment.width
  }
  return true
}

// ---- parsing ----------------------------------------------------------------------

function parseAlternative (pattern: string): Alternative {
  const segments: Atom[][] = [[]]
  let i = 0
  while (i < pattern.length) {
    const ch = pattern[i]!
    if (ch === '*') {
      while (pattern[i] === '*') i++
      segments.push([])
      continue
    }
    const current = segments[segments.length - 1]!
    if (ch === '?') {
      current.push({ kind: 'any' })
      i++
    } else if (ch === '\\' && i + 1 < pattern.length) {
      current.push({ kind: 'char', code: pattern.charCodeAt(i + 1) })
      i += 2
    } else if (ch === '[') {
      const parsed = parseClass(pattern, i)
      if (parsed === null) {
        current.push({ kind: 'char', code: ch.charCodeAt(0) })
        i++
      } else {
        current.push(parsed.atom)
        i = parsed.next
      }
    } else {
      current.push({ kind: 'char', code: pattern.charCodeAt(i) })
      i++
    }
  }
  const built = segments.map((atoms) => new Segment(atoms))
  // Each character atom matches a position of its own, so a match holds each character at
  // least as many times as the pattern names it (counted per bit: characters sharing a bit
  // count together, which the value's pass does too).
  let once = 0
  let twice = 0
  for (const atoms of segments) {
    for (const atom of atoms) {
      if (atom.kind !== 'char') continue
      const bit = characterBit(atom.code)
      twice |= once & bit
      once |= bit
    }
  }
  return { segments: built, minLength: built.reduce((sum, s) => sum + s.width, 0), once, twice }
}

/** Values up to this length take the pass over their characters before any alternative. */
const SHORT_VALUE = 64

/** A character's bit in a presence mask: 32 buckets by the code's low bits (a-z get one each). */
function characterBit (code: number): number {
  return 1 << (code & 31)
}

/** The result of `characterPresence`, reused: matching allocates nothing. */
const presenceScratch = { once: 0, twice: 0 }

/**
 * Which characters `value` holds once or more and twice or more, as masks of
 * `characterBit`s: one pass over it. The object returned is overwritten by the next call.
 */
export function characterPresence (value: string): { readonly once: number, readonly twice: number } {
  let once = 0
  let twice = 0
  for (let i = 0; i < value.length; i++) {
    const bit = characterBit(value.charCodeAt(i))
    twice |= once & bit
    once |= bit
  }
  presenceScratch.once = once
  presenceScratch.twice = twice
  return presenceScratch
}

/** `[...]` starting at `start`; null when unclosed, so the `[` is literal. */
function parseClass (pattern: string, start: number): { atom: Atom, next: number } | null {
  let i = start + 1
  let negated = false
  // Only `^` negates: micromatch reads `[!a]` as the class of `!` and `a`.
  if (pattern[i] === '^') {
    negated = true
    i++
  }
  const ranges: number[] = []
  let first = true
  while (i < pattern.length) {
    let ch = pattern[i]!
    if (ch === ']' && !first) return { atom: { kind: 'class', negated, ranges }, next: i + 1 }
    first = false
    if (ch === '\\' && i + 1 < pattern.length) ch = pattern[++i]!
    const low = ch.charCodeAt(0)
    if (pattern[i + 1] === '-' && i + 2 < pattern.length && pattern[i + 2] !== ']') {
      let highChar = pattern[i + 2]!
      let skip = 3
      if (highChar === '\\' && i + 3 < pattern.length) {
        highChar = pattern[i + 3]!
        skip = 4
      }
      ranges.push(low, highChar.charCodeAt(0))
      i += skip
    } else {
      ranges.push(low, low)
      i++
    }
  }
  return null
}

/**
 * `{a,b}` alternatives, nested and combined, as micromatch's brace expansion does for
 * comma lists. A brace group with no top-level comma, or unclosed, stays literal.
 */
export function expandBraces (pattern: string): string[] {
  const group = findBraceGroup(pattern)
  if (group === null) return [pattern]
  const prefix = pattern.slice(0, group.open)
  const suffix = pattern.slice(group.close + 1)
  const results: string[] = []
  for (const option of group.options) {
    for (const expanded of expandBraces(prefix + option + suffix)) {
      results.push(expanded)
      if (results.length > MAX_ALTERNATIVES) throw new GlobTooComplexError(`more than ${MAX_ALTERNATIVES} brace alternatives`)
    }
  }
  return results
}

function findBraceGroup (pattern: string): { open: number, close: number, options: string[] } | null {
  for (let open = 0; open < pattern.length; open++) {
    const ch = pattern[open]
    if (ch === '\\') {
      open++
      continue
    }
    if (ch === '[') {
      const parsed = parseClass(pattern, open)
      if (parsed !== null) open = parsed.next - 1
      continue
    }
    if (ch !== '{') continue
    let depth = 0
    let optionStart = open + 1
    const options: string[] = []
    for (let i = open + 1; i < pattern.length; i++) {
      const c = pattern[i]
      if (c === '\\') {
        i++
      } else if (c === '[') {
        const parsed = parseClass(pattern, i)
        if (parsed !== null) i = parsed.next - 1
      } else if (c === '{') {
        depth++
      } else if (c === '}' && depth > 0) {
        depth--
      } else if (c === ',' && depth === 0) {
        options.push(pattern.slice(optionStart, i))
        optionStart = i + 1
      } else if (c === '}') {
        if (options.length === 0) break
        options.push(pattern.slice(optionStart, i))
        return { open, close: i, options }
      }
    }
  }
  return null
}

// ---- segments ---------------------------------------------------------------------

function atomMatches (atom: Atom, code: number): boolean {
  if (atom.kind === 'any') return true
  if (atom.kind === 'char') return atom.code === code
  let inside = false
  for (let r = 0; r < atom.ranges.length; r += 2) {
    if (code >= atom.ranges[r]! && code <= atom.ranges[r + 1]!) {
      inside = true
      break
    }
  }
  return inside !== atom.negated
}

function leadingLiteral (segment: Segment): string {
  let out = ''
  for (const atom of segment.atoms) {
    if (atom.kind !== 'char') break
    out += String.fromCharCode(atom.code)
  }
  return out
}

function longestLiteral (segments: Segment[]): string {
  let best = ''
  for (const segment of segments) {
    let run = ''
    for (const atom of segment.atoms) {
      if (atom.kind === 'char') {
        run += String.fromCharCode(atom.code)
        if (run.length > best.length) best = run
      } else {
        run = ''
      }
    }
  }
  return best
}

function trailingLiteral (segment: Segment): string {
  let out = ''
  for (let i = segment.atoms.length - 1; i >= 0; i--) {
    const atom = segment.atoms[i]!
    if (atom.kind !== 'char') break
    out = String.fromCharCode(atom.code) + out
  }
  return out
}

/** A fixed-width run of atoms: checked at a position, or searched for leftmost. */
class Segment {
  readonly atoms: Atom[]
  readonly width: number
  /** The segment as a string when every atom is a plain character: searched with indexOf. */
  readonly literal: string | null
  readonly #words: number
  /**
   * Shift-and's masks of ASCII characters by code (most of every email), others in a Map,
   * and its state: made on the first search that needs them (most segments never do).
   */
  #asciiMasks: Array<Uint32Array | undefined> | undefined
  #masks: Map<number, Uint32Array> | undefined
  #state: Uint32Array | undefined
  /** Every atom is `?`: the segment matches anywhere it fits. */
  readonly #anyOnly: boolean
  /**
   * The atoms between the leading and trailing `?`s, when there are such `?`s: `?`s match
   * any character, so the segment starts `#lead` before wherever this core first fits
   * (a literal core, as in `???...?b`, is then an indexOf instead of a wide shift-and).
   */
  readonly #core: Segment | undefined
  readonly #lead: number

  constructor (atoms: Atom[]) {
    this.atoms = atoms
    this.width = atoms.length
    this.literal = atoms.every((a) => a.kind === 'char')
      ? atoms.map((a) => String.fromCharCode((a as { code: number }).code)).join('')
      : null
    this.#words = Math.max(1, Math.ceil(this.width / 32))
    this.#anyOnly = atoms.every((a) => a.kind === 'any')
    let lead = 0
    while (lead < atoms.length && atoms[lead]!.kind === 'any') lead++
    let trail = atoms.length
    while (trail > lead && atoms[trail - 1]!.kind === 'any') trail--
    this.#lead = lead
    this.#core = !this.#anyOnly && (lead > 0 || trail < atoms.length) ? new Segment(atoms.slice(lead, trail)) : undefined
  }

  matchesAt (value: string, start: number): boolean {
    if (this.literal !== null) return value.startsWith(this.literal, start)
    for (let i = 0; i < this.width; i++) {
      if (!atomMatches(this.atoms[i]!, value.charCodeAt(start + i))) return false
    }
    return true
  }

  /** Leftmost start in [from, lastStart] where the segment matches, or -1. */
  search (value: string, from: number, lastStart: number): number {
    if (lastStart < from) return -1
    if (this.width === 0) return from
    if (this.literal !== null) {
      const found = value.indexOf(this.literal, from)
      return found >= 0 && found <= lastStart ? found : -1
    }
    // Fast paths (performance: docs/PERFORMANCE.md): `?`s fit at the first place, `?`s
    // around a core are searched as the core, one atom is a plain scan.
    if (this.#anyOnly) return from
    if (this.#core !== undefined) {
      // The trailing `?`s fit: lastStart already leaves room for the whole segment.
      const found = this.#core.search(value, from + this.#lead, lastStart + this.#lead)
      return found < 0 ? -1 : found - this.#lead
    }
    if (this.width === 1) {
      const atom = this.atoms[0]!
      for (let j = from; j <= lastStart; j++) {
        if (atomMatches(atom, value.charCodeAt(j))) return j
      }
      return -1
    }
    // Shift-and over as many 32-bit words as the segment is wide: bit i of the state is
    // set when the last i+1 characters match the segment's first i+1 atoms.
    const state = (this.#state ??= new Uint32Array(this.#words))
    state.fill(0)
    const words = this.#words
    const topWord = (this.width - 1) >>> 5
    const topBit = 1 << ((this.width - 1) & 31)
    const stop = lastStart + this.width
    for (let j = from; j < stop; j++) {
      const mask = this.#maskFor(value.charCodeAt(j))
      let carry = 1
      for (let w = 0; w < words; w++) {
        const word = state[w]!
        state[w] = ((word << 1) | carry) & mask[w]!
        carry = word >>> 31
      }
      if ((state[topWord]! & topBit) !== 0) return j - this.width + 1
    }
    return -1
  }

  #maskFor (code: number): Uint32Array {
    const asciiMasks = (this.#asciiMasks ??= new Array(128))
    const masks = (this.#masks ??= new Map())
    let mask = code < 128 ? asciiMasks[code] : masks.get(code)
    if (mask === undefined) {
      mask = new Uint32Array(this.#words)
      for (let i = 0; i < this.width; i++) {
        if (atomMatches(this.atoms[i]!, code)) mask[i >>> 5]! |= 1 << (i & 31)
      }
      if (code < 128) asciiMasks[code] = mask
      else masks.set(code, mask)
    }
    return mask
  }
}
