// The compose example's client: lists the seeded organization's invites through the
// Losant path, with the seed's static token, and fails (exit 1) if it cannot.
const base = process.env.LOSANT_URL ?? 'http://127.0.0.1:8080'
const token = process.env.LOSANT_TOKEN ?? 'example-static-token'
const instanceId = process.env.INSTANCE_ID ?? '5f0c0a1b2c3d4e5f60718293'
const orgId = process.env.ORG_ID ?? '5f0c0a1b2c3d4e5f60718294'

const url = `${base}/instances/${instanceId}/orgs/${orgId}/invites?sortField=email&sortDirection=asc`
const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
const body = await res.json()
if (!res.ok) {
  console.error(`GET ${url}: ${res.status}`, body)
  process.exit(1)
}
console.log(`${body.count} invite(s) in org ${orgId}:`)
for (const invite of body.items) console.log(`  ${invite.email}\t${invite.role}\tinvited ${invite.inviteDate}`)
