# syntax=docker/dockerfile:1
# The ksp control plane on Node (functions/node.ts, what `npm start` runs), with the web console and
# the API docs built into dist/static. Build from the repository root:
#
#   docker build -f infra/docker/control-plane.Dockerfile -t ksp-control-plane .
#   docker run -p 8787:8787 -v ksp-data:/data ksp-control-plane
#
# Without DATABASE_URL it runs embedded (PGlite under /data, a volume) and prints a one-time admin
# token on first start. Secrets (DATABASE_URL, KSP_ADMIN_TOKEN, ...) come from the environment at run
# time; the image holds none (.dockerignore keeps .dev.vars, .data and the like out of the context).
# Checked by test/unit/infra/dockerfiles.test.ts (no Docker engine in CI, so no build there).

# Production dependencies only. --ignore-scripts: npm's `prepare` builds the console, which needs
# the sources and the dev dependencies; the build stage does that.
FROM node:20.20.2-bookworm-slim AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

# The console (Vite, base /ui/) and the docs page (Swagger UI) into dist/static.
FROM node:20.20.2-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY console ./console
# the machine state table the console bundles (proto/machine-states.ts); the rest of proto/ is types
COPY proto ./proto
COPY scripts ./scripts
RUN npm run build:console

FROM node:20.20.2-bookworm-slim AS runtime
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="ksp-control-plane" \
      org.opencontainers.image.description="kube-static-pool control plane (Node): API, web console, API docs" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.vendor="kube-static-pool"
# HOST: the server binds 127.0.0.1 unless told otherwise (functions/env.ts); in a container it must
# listen on all interfaces. KSP_DATA_DIR: where embedded mode keeps PGlite.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8787 \
    KSP_DATA_DIR=/data
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY functions ./functions
COPY drizzle ./drizzle
COPY proto ./proto
COPY shared ./shared
COPY --from=build /app/dist/static ./dist/static
# The code stays root-owned and read-only to the process; only /data is its own.
RUN mkdir -p /data && chown 65532:65532 /data
USER 65532:65532
VOLUME ["/data"]
EXPOSE 8787
# functions/node.ts drains in-flight requests and closes the database on SIGTERM.
STOPSIGNAL SIGTERM
# slim has no curl; Node's fetch does the probe. /healthz touches no dependency.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8787) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# `npm start` without npm in between, so SIGTERM reaches Node (flags: functions/node-flags.ts).
CMD ["node", "--max-semi-space-size=2", "--import", "tsx", "functions/node.ts"]
