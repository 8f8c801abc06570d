# syntax=docker/dockerfile:1
# Build stage: dev dependencies and the TypeScript compiler, thrown away afterwards.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

# Runtime stage: production dependencies and the compiled worker only.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
RUN mkdir -p /app/data/uploads && chown -R node:node /app/data
USER node
EXPOSE 8001
# The orchestrator's SIGTERM reaches node directly (exec form, node is PID 1 and handles it):
# ragworker drains, hands unfinished jobs back and exits 0 within DRAIN_TIMEOUT_MS.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "dist/cli/main.js", "health"]
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["start"]
