# Losant invites emulator: a two-stage image.
#   docker build -t losant-invites-emulator .
#   docker run --rm -p 8080:8080 -v emulator-data:/data losant-invites-emulator
# The README's "Docker" section lists every environment variable the server reads.

# ---- build: better-sqlite3's native addon, TypeScript to dist/, the bundled server
#      (dist/server.mjs, .cjs and its V8 code cache) and the web UI (dist/ui), then
#      production deps only
FROM node:20-bookworm-slim AS build

# node-gyp's toolchain, for when better-sqlite3 has no prebuilt binary to download
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, so a change under src/ reuses this layer (and its native build).
# --ignore-scripts skips our own `prepare` (there is no src/ yet); `npm rebuild` then runs
# better-sqlite3's install script: a prebuilt binary, or a compile with the toolchain above.
# (esbuild, which the build uses, finds its binary without its install script.)
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
  npm ci --no-audit --no-fund --ignore-scripts \
  && npm rebuild better-sqlite3

COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bin ./bin
COPY scripts/build.mjs scripts/bundle.mjs scripts/node-flags.mjs scripts/build-ui.mjs ./scripts/
# Then drop dev dependencies, and all of better-sqlite3 but its lib/ and compiled addon
# (its sources and objects are ~25 MB); the last line proves the addon still loads.
RUN npm run build \
  && npm prune --omit=dev --no-audit --no-fund \
  && cd node_modules/better-sqlite3 \
  && rm -rf deps src build/deps build/Release/obj build/Release/obj.target build/Release/.deps \
       build/Release/sqlite3.a build/Release/test_extension.node \
  && cd /app \
  && node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()"

# ---- runtime: the bundled server, the web UI's files, the healthcheck and production
#      node_modules (the bundle loads better-sqlite3 and the docs page's static files from
#      there), as the user `node`
FROM node:20-bookworm-slim AS runtime

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    LOSANT_EMULATOR_DB=/data/emulator.db

WORKDIR /app
# Owned by root and read-only to `node`: the process can write only to /data.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin

# The SQLite database (and its -wal/-shm files). A named volume mounted here starts with
# this folder's owner, so `node` can write to it.
RUN mkdir -p /data && chown node:node /data
VOLUME /data

USER node
EXPOSE 8080

# No curl in the image: dist/src/healthcheck.js GETs /_emulator/health with Node's fetch,
# on the server's own PORT (and HOST), and exits 0 or 1.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "dist/src/healthcheck.js"]

# The base image's entrypoint execs this, so node is PID 1 and receives SIGTERM itself
# (the server closes, finishes requests in flight, closes the database and exits 0).
# dist/server.mjs runs the whole server bundled into one file with its V8 code cache,
# made by the build stage's node, the same as this one (scripts/bundle.mjs): a faster start.
# The V8 flags are scripts/node-flags.mjs's (less memory; the code cache is made under them).
CMD ["node", "--max-semi-space-size=2", "--heap-growing-percent=10", "dist/server.mjs"]
