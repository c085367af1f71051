import { useEffect, useState } from 'preact/hooks'

/**
 * Routes live in the URL's hash (`#/orgs/<instanceId>/<orgId>?sortField=email`): every
 * screen is linkable, the back button works, and the server serves one page whatever the
 * route, at whatever path prefix it sits.
 */
export interface Route {
  /** The path's segments: `['orgs', id, id]`; `[]` for the overview. */
  segments: string[]
  query: URLSearchParams
}

function parseRoute (hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#/, '').split('?', 2)
  return { segments: path.split('/').filter((s) => s !== '').map(decodeURIComponent), query: new URLSearchParams(search) }
}

/** `#/a/b?x=1`: a link to a screen; empty query values are left out. */
export function href (segments: string[], query: Record<string, string | number | undefined> = {}): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, String(value))
  const search = params.toString()
  return `#/${segments.map(encodeURIComponent).join('/')}${search === '' ? '' : `?${search}`}`
}

export function navigate (to: string): void {
  if (location.hash !== to) location.hash = to
}

export function useRoute (): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash))
  useEffect(() => {
    const update = (): void => setRoute(parseRoute(location.hash))
    addEventListener('hashchange', update)
    return () => removeEventListener('hashchange', update)
  }, [])
  return route
}
