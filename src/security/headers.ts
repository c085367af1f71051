/**
 * Headers of the pages the emulator serves (the web UI, the docs page): their scripts
 * and styles come from the emulator only, no other site may frame them (clickjacking),
 * nothing is sniffed into another type, and no URL leaks in a Referer.
 */
const PAGE_HEADERS = {
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer'
}

/** The web UI (src/ui): its own script, stylesheet and calls; the favicon is a `data:` URL. */
export const UI_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'"
  ].join('; '),
  ...PAGE_HEADERS
}

/**
 * The docs page (@fastify/swagger-ui): its own files; swagger-ui writes an inline style
 * (styles cannot run code; scripts stay its own files only) and draws icons from `data:` URLs.
 */
export const DOCS_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'"
  ].join('; '),
  ...PAGE_HEADERS
}
