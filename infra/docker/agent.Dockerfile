# syntax=docker/dockerfile:1
# The ksp agent (agent/main.ts, what `npm run agent` runs): Cluster Autoscaler's externalgrpc
# provider, run in the cluster by infra/agent/ or the infra/helm/ksp-agent chart. Build from the
# repository root:
#
#   docker build -f infra/docker/agent.Dockerfile -t ksp-agent .
#
# Settings and secrets (registration token, TLS files, SSH keys) come from the environment and
# mounted Secrets at run time; the image holds none. Checked by test/unit/infra/dockerfiles.test.ts.

# Production dependencies only; --ignore-scripts skips npm's `prepare` (the console build, not
# needed here). ssh2's optional native speed-up is skipped with it; ssh2 works without it.
FROM node:20.20.2-bookworm-slim AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

FROM node:20.20.2-bookworm-slim AS runtime
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="ksp-agent" \
      org.opencontainers.image.description="kube-static-pool agent: Cluster Autoscaler externalgrpc provider for pools of pre-booted machines" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.vendor="kube-static-pool"
ENV NODE_ENV=production \
    KSP_GRPC_LISTEN=0.0.0.0:8086 \
    KSP_HEALTH_LISTEN=0.0.0.0:8087
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY agent ./agent
COPY proto ./proto
COPY shared ./shared
# Outside Kubernetes the credential is kept in a file (KSP_AGENT_CREDENTIAL_FILE, default
# /var/run/ksp/credential); in a cluster it lives in a Secret (KSP_AGENT_CREDENTIAL_SECRET).
RUN mkdir -p /var/run/ksp && chown 65532:65532 /var/run/ksp
# The uid the manifests and the chart run as (runAsUser 65532).
USER 65532:65532
VOLUME ["/var/run/ksp"]
# gRPC for Cluster Autoscaler; /healthz, /readyz and /metrics.
EXPOSE 8086 8087
# On SIGTERM the agent lets work in flight finish (KSP_SHUTDOWN_GRACE_PERIOD) and releases its Lease.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.KSP_HEALTH_LISTEN || '0.0.0.0:8087').split(':').pop() + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# `npm run agent` without npm in between, so SIGTERM reaches Node (flags: agent/node-flags.ts).
CMD ["node", "--max-semi-space-size=1", "--import", "tsx", "agent/main.ts"]
