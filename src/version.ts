import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

interface PackageRoot { dir: string, version: string }

/** The folder of the package.json above this file (src/, dist/src/ or the bundle in dist/), with its version. */
function findPackageRoot (): PackageRoot | undefined {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, 'package.json')
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string, version?: string }
      if (pkg.name === 'losant-invites-emulator' && pkg.version !== undefined) return { dir, version: pkg.version }
    }
    dir = dirname(dir)
  }
  return undefined
}

const root = findPackageRoot()

export const VERSION = root?.version ?? '0.0.0'

/** The package's own folder (where dist/ui is), or undefined when this file is outside it. */
export const PACKAGE_DIR = root?.dir
