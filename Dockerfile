# syntax=docker/dockerfile:1
# raftkv: one node per container. Build with dev dependencies (TypeScript), run with
# production dependencies only. The tutorial's single-stage Dockerfile installed production
# dependencies and then ran `tsc`, which is a dev dependency: that is why it failed.

# ---- build: dev dependencies, compile TypeScript to dist/ -----------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY test ./test
COPY scripts ./scripts
COPY bench ./bench
RUN npm run build

# ---- runtime: production dependencies and the compiled server only ---------------------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist/src ./dist/src
# The data directory belongs to the unprivileged user; a fresh named volume copies this ownership.
RUN mkdir -p /data && chown node:node /data
USER node
ENV DATA_DIR=/data
ENV PORT=3000
VOLUME ["/data"]
EXPOSE 3000
# node, not curl: slim images have no curl. /health is 200 once this node knows a leader
# and has applied what it knows to be committed.
HEALTHCHECK --interval=5s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form: node is PID 1 and receives SIGTERM from `docker stop` directly.
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/client/cli.js", "serve"]
