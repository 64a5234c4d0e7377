# redfleet node image.
#   docker build -t redfleet .
#   docker run --rm --network host -e REDIS_URL=redis://127.0.0.1:6379 redfleet
# Base images are build arguments, so the image also builds where no registry is reachable
# (see docs/OPERATIONS.md). BUILD_IMAGE needs a JDK 17 with its jmods (jlink makes the node's
# Java runtime from it) and Maven unless PREBUILT_JAR=true, in which case it only copies
# target/app-fat.jar from the build context (built by `mvn package`). RUNTIME_IMAGE needs no Java:
# glibc, zlib, bash, coreutils and grep (for the health check) and useradd.
ARG BUILD_IMAGE=maven:3.9-eclipse-temurin-17
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${BUILD_IMAGE} AS build
# lets a test (or you) remove this stage's leftover image: docker image prune --filter label=dev.redfleet.stage=build
LABEL dev.redfleet.stage=build
# A Java runtime of the Java SE modules plus what the node's libraries use (Netty: jdk.unsupported;
# TLS: jdk.crypto.ec; JVM metrics: jdk.management), 61 MB instead of a full JRE's 190 MB. Plug-ins
# get the whole Java SE API; one that needs another module names it here.
ARG JLINK_MODULES=java.se,jdk.unsupported,jdk.crypto.ec,jdk.management,jdk.naming.dns,jdk.zipfs
# before the sources are copied, so that a rebuild reuses this layer; --strip-java-debug-attributes
# rather than --strip-debug, which needs objcopy (binutils) on Debian's JDK
RUN jlink --add-modules "$JLINK_MODULES" --strip-java-debug-attributes --no-man-pages --no-header-files \
      --compress=2 --output /jre
ARG PREBUILT_JAR=false
WORKDIR /src
# the modules' poms alone first: a build of no sources downloads every dependency and plug-in into a
# layer that a rebuild reuses (dependency:go-offline cannot: it looks for redfleet-api in a registry)
COPY pom.xml .
COPY redfleet-api/pom.xml redfleet-api/
COPY redfleet/pom.xml redfleet/
COPY redfleet-cli/pom.xml redfleet-cli/
RUN if [ "$PREBUILT_JAR" != true ]; then mvn -B -q package -DskipTests && rm -rf target */target; fi
COPY . .
RUN if [ "$PREBUILT_JAR" = true ]; then test -f target/app-fat.jar; else mvn -B -q package -DskipTests; fi
# PLUGINS: a directory of the build context whose .jar files go into the image's /app/plugins
# (handlers and sources, see docs/HANDLERS.md); "" = none
ARG PLUGINS=
RUN mkdir -p /plugins && if [ -n "$PLUGINS" ]; then \
      ls "$PLUGINS"/*.jar >/dev/null || { echo "PLUGINS=$PLUGINS: no .jar file in that directory of the build context" >&2; exit 1; }; \
      cp "$PLUGINS"/*.jar /plugins/; fi

FROM ${RUNTIME_IMAGE}
RUN groupadd --system redfleet && useradd --system --gid redfleet --home-dir /app --shell /usr/sbin/nologin redfleet
WORKDIR /app
COPY --from=build /jre /app/jre
COPY --from=build /src/target/app-fat.jar /app/app-fat.jar
COPY conf /app/conf
COPY --from=build /plugins /app/plugins
USER redfleet
ARG PLUGINS=
# The HTTP port serves /metrics, /health and the live page. Port 0 = a free port: several nodes
# on one machine's host network do not clash (the node logs `http on http://HOST:PORT/` and writes
# the port into the port file, which the health check reads); -e REDFLEET_HTTP_PORT=8080 fixes it.
# It binds 127.0.0.1 unless REDFLEET_HTTP_HOST says otherwise. REDFLEET_PLUGINS is /app/plugins
# when jars were built in (PLUGINS), else empty (none); mount a directory there, or elsewhere and
# set REDFLEET_PLUGINS to it.
ENV PATH=/app/jre/bin:$PATH \
    REDFLEET_HTTP_PORT=0 \
    REDFLEET_HTTP_PORT_FILE=/tmp/redfleet-http.port \
    REDFLEET_PLUGINS=${PLUGINS:+/app/plugins}
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/$(cat \"${REDFLEET_HTTP_PORT_FILE:-/tmp/redfleet-http.port}\") && printf 'GET /health HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
# exec form: the JVM is PID 1 and gets SIGTERM itself; it leaves the fleet (lease released,
# unfinished messages back to the queue) and exits with 143
ENTRYPOINT ["/app/jre/bin/java", "-XX:MaxRAMPercentage=75", "-jar", "/app/app-fat.jar"]
CMD ["run"]
