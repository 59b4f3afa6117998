# syntax=docker/dockerfile:1
# glibc (Debian) images, not Alpine: onnxruntime-node ships glibc builds only.

FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
# npm ci runs `prepare`, which compiles TypeScript into dist/.
RUN npm ci && npm prune --omit=dev
# Fetch the real MiniLM at build time so the running container never needs the Hub.
ENV MODEL_CACHE_DIR=/app/models
RUN node dist/scripts/fetch-model.js

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    PORT=8080 \
    HOST=0.0.0.0 \
    DATABASE_PATH=/data/router.db \
    MODEL_CACHE_DIR=/app/models \
    EMBEDDING_OFFLINE=true \
    EMBEDDER=minilm
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/models ./models
COPY routes-data ./routes-data
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/src/main.js"]
