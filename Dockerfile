# First version; hardened (multi-stage, non-root, healthcheck) in a later issue.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bin ./bin
RUN npm ci --no-audit --no-fund && npm prune --omit=dev
ENV HOST=0.0.0.0 PORT=8080 LOSANT_EMULATOR_DB=/data/emulator.db
EXPOSE 8080
CMD ["node", "dist/src/server.js"]
