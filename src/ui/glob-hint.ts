/**
 * What the API makes of a filter that looks like a mistake (docs/API.md, globs): a `[` or
 * `{` that is never closed is not an error there, it is the character itself, so the
 * filter quietly matches almost nothing. Said in words beside the result.
 */
export function globHint (pattern: string): string | undefined {
  const openBrackets: number[] = []
  let braceDepth = 0
  let firstOpenBrace = -1
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]
    if (ch === '\\') {
      i++
    } else if (ch === '[') {
      const close = classEnd(pattern, i)
      if (close === -1) openBrackets.push(i)
      else i = close
    } else if (ch === '{') {
      if (braceDepth === 0) firstOpenBrace = i
      braceDepth++
    } else if (ch === '}' && braceDepth > 0) {
      braceDepth--
    }
  }
  const at = openBrackets[0]
  if (at !== undefined) {
    return `The [ at character ${at + 1} is never closed: the API takes it as the character [ itself, not as the start of a class such as [a-z], so only values with a [ there match. Close it (]) or escape it (\\[).`
  }
  if (braceDepth > 0) {
    return `The { at character ${firstOpenBrace + 1} is never closed: the API takes it as the character { itself, not as alternatives such as {a,b}, so only values with a { there match. Close it (}) or escape it (\\{).`
  }
  return undefined
}

/** The index of the `]` that closes the class opened at `start`, or -1: as the API reads a class (one character at least, `^` first negates). */
function classEnd (pattern: string, start: number): number {
  let i = start + 1
  if (pattern[i] === '^') i++
  let first = true
  for (; i < pattern.length; i++) {
    if (pattern[i] === ']' && !first) return i
    first = false
    if (pattern[i] === '\\') i++
  }
  return -1
}
