# litmus-proxy container image: the binary, its shared libraries and the CA
# certificates on Debian 12 slim, run as a numeric non-root user.
#
#   docker build --build-arg VERSION=0.1.0 -t litmus-proxy:0.1.0 .
#   podman build --format docker -t litmus-proxy:0.1.0 .   (docker format keeps the HEALTHCHECK)
#
# Without a registry, deploy/scripts/make-base-images.sh makes the two Debian
# images locally and deploy/scripts/image-test.sh builds and tests this file.
# README "Container image" shows how to run it.

# ---- build: the proxy binary only, without the tests ------------------------
FROM debian:bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      g++ cmake ninja-build pkg-config \
      libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev \
      libyaml-cpp-dev prometheus-cpp-dev libssl-dev libsqlite3-dev libpq-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
# CMakeLists.txt includes the Debian package rules (not used here).
COPY deploy/debian/package.cmake deploy/debian/
COPY proxy/ proxy/
# Only the binary, stripped (cmake --install would also want the package's
# units and docs, which are not in this context).
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DLITMUS_BUILD_TESTS=OFF \
 && cmake --build /build --target litmus-proxy \
 && mkdir -p /out/usr/bin && strip -o /out/usr/bin/litmus-proxy /build/litmus-proxy

# ---- runtime ----------------------------------------------------------------
FROM debian:bookworm-slim

# Exactly the shared libraries the binary links (objdump -p: NEEDED), libpq5
# (loaded by the PostgreSQL user store when one is configured), and the CA
# store that verifies Litmus's certificates. libstdc++6 and libc6 are in the
# base image.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates \
      libboost-json1.81.0 libboost-url1.81.0 libssl3 libyaml-cpp0.7 \
      libprometheus-cpp-core1.0 libpq5 libsqlite3-0 \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log

COPY --from=build /out/usr/bin/litmus-proxy /usr/bin/litmus-proxy
# Read when no --config is given. Credentials never come with the image: they
# come from the environment or mounted files (LITMUS_CLIENT_*_FILE).
COPY deploy/container/config.yaml /etc/litmus-proxy/config.yaml

# Labels last: a new revision does not rebuild the layers above.
# Keep VERSION in step with project() in CMakeLists.txt (image-test.sh checks
# the label against `litmus-proxy --version`). The repository names no
# licence yet: NOASSERTION (SPDX) until it does.
ARG VERSION=0.1.0
ARG REVISION=""
ARG SOURCE=""
ARG LICENSES=NOASSERTION
LABEL org.opencontainers.image.title="litmus-proxy" \
      org.opencontainers.image.description="Sidecar that holds Litmus OAuth client credentials and forwards local HTTP requests to the Litmus API with a Bearer token" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="${LICENSES}"

# 65532: the conventional "nonroot" uid/gid, the one deploy/kubernetes runs
# as. Numeric, so runAsNonRoot can verify it without an /etc/passwd entry.
# The proxy writes no file (logs go to stderr), so a read-only root
# filesystem works.
USER 65532:65532
# The admin listener (/healthz, /readyz, /metrics). The proxy listener,
# 127.0.0.1:8080, is reached only from the same network namespace.
EXPOSE 9090
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["/usr/bin/litmus-proxy", "health"]
ENTRYPOINT ["/usr/bin/litmus-proxy"]
