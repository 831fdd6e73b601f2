# syntax=docker/dockerfile:1
# pve-runbooks worker image (used by docker-compose.yml's `worker` service).
# The Temporal CLI and test server (`npm run setup`, .tools/) are not needed here: the worker only
# connects to the Temporal server at $TEMPORAL_ADDRESS.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build \
 && rm -rf dist/test \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    PVE_RUNBOOKS_HOME=/data \
    TEMPORAL_ADDRESS=temporal:7233
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/scripts ./scripts
# The worker's state (controller SSH key pair, known_hosts, secret material) lives in /data,
# a volume owned by the unprivileged `node` user.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
CMD ["node", "dist/client/pve-runbooks.js", "worker"]
