# syntax=docker/dockerfile:1
#
# sekisho container image: a release build with the Swift runtime linked statically, on a
# slim Debian that provides the system OpenSSL 3 (libssl3) and nghttp2 — the same libraries
# the binary was built against, so security updates come from Debian's package stream.
#
#   docker build -t sekisho .
#   docker run --rm -p 8443:8443 -v "$PWD/etc:/etc/sekisho:ro" sekisho
#
# /etc/sekisho/sekisho.yaml and the certificates it names are mounted at run time; no key
# material is ever baked into the image (.dockerignore keeps *.pem/*.key/*.p12 out).

ARG SWIFT_IMAGE=swift:6.0-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

# --- build ----------------------------------------------------------------------------------
FROM ${SWIFT_IMAGE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libssl-dev libnghttp2-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
# Manifest first, so dependency resolution is cached while only sources change.
# Package.resolved is not copied: it is not committed (see .gitignore).
COPY Package.swift ./
RUN swift package resolve

# Test target folders are copied too: SwiftPM refuses a manifest whose targets have no folder.
COPY Sources ./Sources
COPY Tests ./Tests
# --static-swift-stdlib: the Swift runtime and Foundation go into the binary, so the runtime
# image needs no Swift toolchain libraries. OpenSSL and nghttp2 stay dynamic on purpose.
RUN swift build -c release --product sekisho --static-swift-stdlib \
 && install -D -m 0755 "$(swift build -c release --show-bin-path)/sekisho" /out/sekisho \
 && ldd /out/sekisho | tee /out/ldd.txt \
 && grep -q 'libssl\.so\.3' /out/ldd.txt \
 && ! grep -q 'libswiftCore\.so' /out/ldd.txt

# --- runtime ----------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends libssl3 libnghttp2-14 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 sekisho \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin sekisho \
 && mkdir -p /etc/sekisho

COPY --from=build /out/sekisho /usr/local/bin/sekisho
# A reference for operators; the file sekisho reads is /etc/sekisho/sekisho.yaml, mounted.
COPY config/sekisho.example.yaml /etc/sekisho/sekisho.example.yaml

# Fails the image build if the binary cannot start against the runtime image's libraries.
RUN ["/usr/local/bin/sekisho", "version"]

USER 10001:10001
EXPOSE 8443
ENTRYPOINT ["/usr/local/bin/sekisho"]
CMD ["run", "--config", "/etc/sekisho/sekisho.yaml"]
