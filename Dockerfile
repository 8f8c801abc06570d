# syntax=docker/dockerfile:1
# Node 24, an LTS line (Maintenance LTS, supported until 2028-04-30); the tests run on the same
# release (scripts/node-runtime.sh, which says why not 26 yet). package.json's allowScripts keeps onnxruntime-node's
# postinstall (a CUDA download from NuGet) from running; its CPU binaries ship in the package.
# Build stage: dev dependencies and the TypeScript compiler, thrown away afterwards.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

# Runtime stage: production dependencies and the compiled worker only, no compiler or headers
# (the slim image has none; msgpackr-extract takes its prebuilt binary). onnxruntime-node ships
# its binaries for every platform (288 MB); only this image's own os/arch stays (about 46 MB).
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# What the threads run besides Node (OCR: tesseract with its languages, poppler's pdftoppm): the
# same list scripts/services.sh runtime-tools installs on a machine, so the image and the tests agree.
COPY scripts/runtime-packages.txt /tmp/runtime-packages.txt
RUN apt-get update \
  && sed -e 's/#.*//' -e '/^[[:space:]]*$/d' /tmp/runtime-packages.txt \
  | xargs apt-get install -y --no-install-recommends \
  && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt
COPY package.json package-lock.json ./
# TypeScript (23 MB) comes in as valibot's optional peer (Bull Board's API validates with it), for
# its types only: nothing at run time loads it.
RUN npm ci --omit=dev --no-audit --no-fund \
  && npm cache clean --force \
  && keep="$(node -p 'process.platform + "/" + process.arch')" \
  && for dir in node_modules/onnxruntime-node/bin/napi-v*/*/*; do \
    case "$dir" in */"$keep") ;; *) rm -rf "$dir" ;; esac; \
  done \
  && find node_modules/onnxruntime-node/bin -mindepth 2 -type d -empty -delete \
  && rm -rf node_modules/typescript
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
