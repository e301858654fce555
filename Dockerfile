# vader-sdk on a CPU base image. For a GPU, start from an image whose Python has a CUDA torch
# and point VADER_PYTHON at it; the SDK then skips creating .venv.
# Not built in CI (no Docker engine there); kept in step with scripts/setup-python.mjs.
FROM node:20-bookworm-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv python3-pip ca-certificates \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/vader
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY scripts ./scripts
COPY python-bridge ./python-bridge
COPY src ./src
# postinstall creates .venv (torch==2.13.0 first, then the pinned requirements); prepare builds dist/.
# On a registry without the CPU wheel, add --index-url https://download.pytorch.org/whl/cpu to pip.
RUN npm ci --no-audit --no-fund

COPY . .
ENTRYPOINT ["npx", "vader"]
CMD ["doctor"]
