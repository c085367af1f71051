import assert from 'node:assert/strict'
import { test } from 'node:test'
import { newInviteToken, newObjectId } from '../src/ids.js'

test('invite tokens are 24 random bytes in base64url, never repeated across refills of the pool', () => {
  const tokens = Array.from({ length: 1000 }, () => newInviteToken())
  for (const token of tokens) assert.match(token, /^[A-Za-z0-9_-]{32}$/)
  assert.equal(new Set(tokens).size, tokens.length)
})

test('object ids are 24 hex characters, time-ordered', () => {
  const first = newObjectId(1_000_000)
  const later = newObjectId(2_000_000)
  assert.match(first, /^[0-9a-f]{24}$/)
  assert.ok(later > first)
  assert.equal(first.slice(0, 8), (1000).toString(16).padStart(8, '0'))
})
