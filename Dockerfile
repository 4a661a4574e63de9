# One image recipe for every service: docker build --build-arg SERVICE=wallet|settlement|gateway|bank-sim .
# Stage 1 installs and builds the whole workspace (codegen included); stage 2 keeps only the
# chosen service with its production dependencies, on a slim Node runtime, as a non-root user.

FROM node:20-bookworm-slim AS build
ENV TURBO_TELEMETRY_DISABLED=1 CI=true
RUN npm install -g pnpm@10.34.9
WORKDIR /repo
COPY . .
RUN pnpm install --frozen-lockfile && pnpm exec turbo run build
ARG SERVICE=wallet
RUN pnpm --filter "@wallet/${SERVICE}" deploy --prod --legacy /out && cp -r migrations /out/migrations

FROM node:20-bookworm-slim AS runtime
# The memory settings of packages/runtime/src/process-env.ts (serviceProcessEnv); keep them equal.
ENV NODE_ENV=production MIGRATIONS_DIR=/app/migrations NODE_OPTIONS=--max-semi-space-size=16 MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=build --chown=node:node /out /app
USER node
# SIGTERM reaches node directly (exec form), so graceful shutdown works under docker stop.
CMD ["node", "dist/main.js"]
