#!/usr/bin/env node
// The package's command: the built server (npm ci runs `prepare`, which builds it).
import '../dist/src/server.js'
