#!/usr/bin/env -S node --max-semi-space-size=2 --heap-growing-percent=10
// The package's command: the bundled server, dist/server.mjs (npm ci runs `prepare`, which builds it).
import '../dist/server.mjs'
