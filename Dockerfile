# syntax=docker/dockerfile:1
# The tenantsync operator image: `tenantsync run` as uid 65532 on a slim, pinned Python 3.11.
#
# Stage 1 builds a wheel of this project and of each of its runtime dependencies (`pip wheel .`), then
# installs them into a virtual environment. Stage 2 copies only that environment: no compiler, no build
# backend, no pip cache, no development extras (tests, linters, SDK fidelity tools).
#
# Each RUN is a plain command that also works on a Debian 12 machine with Python 3.11 (what CI runs),
# so the image's install steps are exercised without a Docker engine.
#
# Where there is no Docker engine and no registry, `make image` (hack/build-image) builds this file with
# buildah, PYTHON_IMAGE being the same Debian release made by debootstrap with Debian's Python 3.11;
# hack/run-image runs the result as the chart does (tests/image, TENANTSYNC_IMAGE_TESTS=1).
#
# The base is pinned by digest: the tag python:3.11.14-slim-bookworm is rebuilt whenever Debian or the
# image's recipe changes, the digest never is. It is the tag's multi-architecture index (its linux/amd64
# image is sha256:83f339c1be6340ae1096010fdccf6552ac932d8f410d45d206014916bdf37e48); to move to a newer
# build, `docker buildx imagetools inspect python:3.11.X-slim-bookworm` prints the index digest.

ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm@sha256:65a93d69fa75478d554f4ad27c85c1e69fa184956261b4301ebaf6dbb0a3543d

FROM ${PYTHON_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
# Metadata first, then the code: the wheel build reads pyproject.toml and README.md (the long description).
COPY pyproject.toml README.md ./
COPY operator/ operator/
# The project's wheel and every runtime dependency's, resolved from pyproject.toml.
RUN python -m pip wheel --no-cache-dir --wheel-dir /wheels .
# Install from those wheels only (no index): exactly the runtime closure, into a relocatable venv.
RUN python -m venv /opt/tenantsync \
 && /opt/tenantsync/bin/python -m pip install --no-cache-dir --no-index --find-links /wheels /wheels/tenantsync-*.whl \
 && /opt/tenantsync/bin/python -m pip uninstall --yes pip \
 && /opt/tenantsync/bin/tenantsync crds > /dev/null

FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="tenantsync" \
      org.opencontainers.image.description="Kubernetes operator that backs up, reviews and deploys Microsoft 365 tenant configuration" \
      org.opencontainers.image.source="https://github.com/tenantsync/tenantsync" \
      org.opencontainers.image.licenses="Apache-2.0"
# The repository layer drives the git CLI (fetch, fast-import, push over HTTPS).
RUN apt-get update \
 && apt-get install --yes --no-install-recommends git=1:2.39.* \
 && rm -rf /var/lib/apt/lists/*
# The "nonroot" user of distroless images (65532), so that runAsUser in the chart matches the image.
RUN groupadd --system --gid 65532 nonroot \
 && useradd --system --uid 65532 --gid 65532 --home-dir /tmp --no-create-home --shell /usr/sbin/nologin nonroot
COPY --from=builder /opt/tenantsync /opt/tenantsync
ENV PATH=/opt/tenantsync/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp
USER 65532:65532
WORKDIR /tmp
# Metrics (/metrics) and kopf's liveness endpoint (/healthz).
EXPOSE 8080 8081
ENTRYPOINT ["tenantsync", "run"]
