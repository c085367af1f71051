// temporary: profile one scenario
import { spawn } from 'node:child_process'
import autocannon from 'autocannon'
const [db, token, path, method] = process.argv.slice(2)
const child = spawn(process.execPath, ['--cpu-prof', '--cpu-prof-dir', '/tmp/prof', 'dist/src/server.js', '--port', '18911', '--db', db, '--log-level', 'silent'], { stdio: 'inherit' })
await new Promise(r => setTimeout(r, 1500))
const r = await autocannon({ url: 'http://127.0.0.1:18911', connections: 10, duration: 5, requests: [{ method: method ?? 'GET', path, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: method === 'POST' ? JSON.stringify({ email: 'user0@example.com', role: 'view' }) : undefined }] })
console.log(r.requests.average)
child.kill('SIGINT')
await new Promise(r => child.once('exit', r))
