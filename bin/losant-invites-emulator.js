#!/usr/bin/env node
// The package's command: the bundled server, dist/server.mjs (npm ci runs `prepare`, which builds it).
import '../dist/server.mjs'
