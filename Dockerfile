# vader-sdk on a GPU: NVIDIA's CUDA runtime image, Node 20, and the bridge's pinned Python packages
# with the CUDA build of the same torch version as python-bridge/requirements.txt.
#   docker build -t vader .
#   docker run --gpus all vader                      # vader doctor: the device, dtypes and versions
#   docker run --gpus all -v "$PWD/runs:/opt/vader/runs" vader train --model /models/wan --config job.json
# Not built in CI (no Docker engine there); test/unit/dockerfile.test.ts checks that its pins match
# the project's (torch, Node's major version, the requirements file).
ARG CUDA_IMAGE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04
ARG NODE_IMAGE=node:20-bookworm-slim
FROM ${NODE_IMAGE} AS node

FROM ${CUDA_IMAGE}
# The CUDA wheel index that matches the base image's CUDA 12.8; the version is requirements.txt's.
ARG TORCH_VERSION=2.13.0
ARG TORCH_INDEX=https://download.pytorch.org/whl/cu128

RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv ca-certificates \
 && rm -rf /var/lib/apt/lists/*
# Node 20 from the official image: one binary and npm, no extra apt repository.
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s /usr/local/lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s /usr/local/lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx

# The interpreter the SDK spawns (VADER_PYTHON): torch's CUDA build first, then the pins, which
# accept it (2.13.0+cu128 satisfies torch==2.13.0) and so change nothing.
ENV VADER_PYTHON=/opt/venv/bin/python
RUN python3 -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check "torch==${TORCH_VERSION}" --index-url "${TORCH_INDEX}"
COPY python-bridge/requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check -r /tmp/requirements.txt

WORKDIR /opt/vader
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY scripts ./scripts
COPY python-bridge ./python-bridge
COPY src ./src
# With VADER_PYTHON set, postinstall skips .venv; prepare builds dist/.
RUN npm ci --no-audit --no-fund
COPY world ./world

ENTRYPOINT ["npx", "vader"]
CMD ["doctor"]
