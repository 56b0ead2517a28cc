# syntax=docker/dockerfile:1
# score-servicebus on the Azure Functions Node 22 base image. Build from the repository root:
#   docker build -f docker/score-servicebus.Dockerfile -t modelfn/score-servicebus .

FROM mcr.microsoft.com/azure-functions/node:4-node22 AS build
WORKDIR /src
# The manifests first, so the dependency layer is reused while only sources change.
COPY package.json package-lock.json .npmrc ./
COPY apps/score-http/package.json apps/score-http/
COPY apps/score-blob/package.json apps/score-blob/
COPY apps/score-servicebus/package.json apps/score-servicebus/
COPY apps/score-queue/package.json apps/score-queue/
COPY apps/local/package.json apps/local/
COPY libs/scoring/package.json libs/scoring/
COPY libs/functions/package.json libs/functions/
COPY libs/local-host/package.json libs/local-host/
COPY libs/dev-processes/package.json libs/dev-processes/
COPY libs/servicebus-emulator/package.json libs/servicebus-emulator/
COPY libs/model-builder/package.json libs/model-builder/
COPY libs/settings/package.json libs/settings/
COPY libs/telemetry/package.json libs/telemetry/
COPY libs/identity/package.json libs/identity/
COPY tools/train-mnist/package.json tools/train-mnist/
COPY tools/bench/package.json tools/bench/
COPY tools/entry-scripts/package.json tools/entry-scripts/
COPY tools/package/package.json tools/package/
COPY tools/dev/package.json tools/dev/
COPY e2e/package.json e2e/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx nx run score-servicebus:build --skip-nx-cache
# Production dependencies only; the workspace links are dropped (the build bundles our own libs).
RUN npm ci --omit=dev --no-audit --no-fund && rm -rf node_modules/@modelfn

FROM mcr.microsoft.com/azure-functions/node:4-node22
ENV AzureWebJobsScriptRoot=/home/site/wwwroot \
    AzureFunctionsJobHost__Logging__Console__IsEnabled=true \
    MODEL_REPOSITORY=/home/site/wwwroot/models \
    NODE_ENV=production
WORKDIR /home/site/wwwroot
COPY --from=build /src/apps/score-servicebus/host.json /src/apps/score-servicebus/package.json ./
COPY --from=build /src/apps/score-servicebus/dist ./dist
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/models ./models/
