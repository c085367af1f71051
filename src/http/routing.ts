/**
 * Which methods each registered path answers, so an unknown method on a known path gets
 * Losant's 405 with an `Allow` header instead of Fastify's 404.
 */
export class MethodTable {
  readonly #routes: Array<{ pattern: RegExp, methods: Set<string> }> = []

  add (url: string, method: string | string[]): void {
    const source = '^' + url
      .replace(/\/+$/, '')
      .split('/')
      .map((part) => part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('/') + '/?$'
    let entry = this.#routes.find((r) => r.pattern.source === source)
    if (entry === undefined) {
      entry = { pattern: new RegExp(source), methods: new Set() }
      this.#routes.push(entry)
    }
    for (const m of Array.isArray(method) ? method : [method]) entry.methods.add(m.toUpperCase())
  }

  /** Methods allowed on a concrete path, sorted; empty when no route has that path. */
  allowed (path: string): string[] {
    const methods = new Set<string>()
    for (const route of this.#routes) {
      if (route.pattern.test(path)) for (const m of route.methods) methods.add(m)
    }
    return [...methods].sort()
  }
}
