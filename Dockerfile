# Production image of tributary: receiver, writer and migrate (no chdb, no Java: those are only for
# the local stack). Build: docker build -t tributary .
FROM node:26.10.0-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY patches patches
# Scripts stay off for dependencies; our own patches (patches/README.md) are applied explicitly.
RUN npm ci --omit=optional --ignore-scripts && npx patch-package
COPY tsconfig.json ./
COPY cli cli
COPY core core
COPY receiver receiver
COPY writer writer
COPY schemas schemas
COPY deploy deploy
COPY test test
RUN npx tsc -p tsconfig.json && npm prune --omit=dev --omit=optional

FROM node:26.10.0-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY --from=build /app/schemas schemas
USER node
EXPOSE 4317 4318 13133 13134 9464 9465
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["receiver"]
