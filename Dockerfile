# redfleet node image.
#   docker build -t redfleet .
#   docker run --rm --network host -e REDIS_URL=redis://127.0.0.1:6379 redfleet
# Base images are build arguments, so the image also builds where no registry is reachable
# (see docs/OPERATIONS.md): BUILD_IMAGE needs a JDK 17 and Maven unless PREBUILT_JAR=true, in
# which case it only copies target/app-fat.jar from the build context (built by `mvn package`).
# RUNTIME_IMAGE needs a Java 17 runtime and bash (for the health check).
ARG BUILD_IMAGE=maven:3.9-eclipse-temurin-17
ARG RUNTIME_IMAGE=eclipse-temurin:17-jre

FROM ${BUILD_IMAGE} AS build
# lets a test (or you) remove this stage's leftover image: docker image prune --filter label=dev.redfleet.stage=build
LABEL dev.redfleet.stage=build
ARG PREBUILT_JAR=false
WORKDIR /src
COPY pom.xml .
RUN if [ "$PREBUILT_JAR" != true ]; then mvn -B -q dependency:go-offline; fi
COPY . .
RUN if [ "$PREBUILT_JAR" = true ]; then test -f target/app-fat.jar; else mvn -B -q package -DskipTests; fi

FROM ${RUNTIME_IMAGE}
RUN groupadd --system redfleet && useradd --system --gid redfleet --home-dir /app --shell /usr/sbin/nologin redfleet
WORKDIR /app
COPY --from=build /src/target/app-fat.jar /app/app-fat.jar
COPY conf /app/conf
USER redfleet
# The HTTP port serves /metrics, /health and the live page. It binds 127.0.0.1 unless
# REDFLEET_HTTP_HOST says otherwise; with host networking, replicas on one machine set
# REDFLEET_HTTP_PORT=0 (a free port each): the node writes the port it got into the port file,
# which the health check reads.
ENV REDFLEET_HTTP_PORT=8080 \
    REDFLEET_HTTP_PORT_FILE=/tmp/redfleet-http.port
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/$(cat /tmp/redfleet-http.port) && printf 'GET /health HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
# exec form: the JVM is PID 1 and gets SIGTERM itself; it leaves the fleet (lease released,
# unfinished messages back to the queue) and exits with 143
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/app-fat.jar"]
CMD ["run"]
