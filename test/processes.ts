import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { TestContext } from 'node:test'
import { bundledServer } from './bundle.js'

/**
 * The real server process (the bundle of the current src/, as `npm start` runs it) for
 * the tests of what happens around it: its database file, its signals, its exit.
 */

export interface SpawnAs {
  /** Run as this user and group (the tests run as root; read-only files mean nothing to root). */
  uid?: number
  gid?: number
  env?: Record<string, string>
}

export interface RunningServer {
  url: string
  child: ChildProcess
  /** Every line written to stdout so far (JSON log lines). */
  lines: string[]
  /** Resolves to the exit code (null when killed by a signal). */
  exited: Promise<number | null>
}

/** An unprivileged user for the read-only tests: `nobody`. */
export const NOBODY = { uid: 65534, gid: 65534 }

/** A temporary folder (removed when the test ends) that `nobody` can enter. */
export function tempDir (t: TestContext, prefix = 'emulator-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  chmodSync(dir, 0o755)
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** Starts the server on port 0 and waits (bounded) for the line that says where it listens; SIGKILLed when the test ends. */
export async function startServer (t: TestContext, args: string[], as: SpawnAs = {}): Promise<RunningServer> {
  const child = spawn(process.execPath, [bundledServer(), '--port', '0', '--host', '127.0.0.1', ...args], {
    env: { ...process.env, ...as.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(as.uid === undefined ? {} : { uid: as.uid }),
    ...(as.gid === undefined ? {} : { gid: as.gid })
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  })
  const lines: string[] = []
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line in 20 s: ${lines.join('\n')}${stderr}`)), 20_000)
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line)
      const url = (JSON.parse(line) as { url?: unknown }).url
      if (typeof url === 'string') {
        clearTimeout(timer)
        resolve(url)
      }
    })
    exited.then((code) => reject(new Error(`exited with ${code} before listening: ${stderr}`)), reject)
  })
  return { url, child, lines, exited }
}

/**
 * Runs the server to its exit (it is expected to refuse to start). A start that has not
 * ended within 10 s is killed (status null, a failure): a refusal must come at once.
 */
export function runToExit (args: string[], as: SpawnAs = {}): SpawnSyncReturns<string> & { ms: number } {
  const started = performance.now()
  const result = spawnSync(process.execPath, [bundledServer(), '--port', '0', ...args], {
    env: { ...process.env, ...as.env },
    encoding: 'utf8',
    timeout: 10_000,
    killSignal: 'SIGKILL',
    ...(as.uid === undefined ? {} : { uid: as.uid }),
    ...(as.gid === undefined ? {} : { gid: as.gid })
  })
  return Object.assign(result, { ms: performance.now() - started })
}

/** JSON over real HTTP, one connection per call. */
export async function call (url: string, method: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number, body: any }> {
  const response = await fetch(url, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })
  const text = await response.text()
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) }
}
