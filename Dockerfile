# Build: docker build -t redfleet .
# Run:   docker run --rm -e REDIS_URL=redis://redis-host:6379 redfleet run
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY src src
RUN mvn -B -q package -DskipTests

FROM eclipse-temurin:17-jre
WORKDIR /app
COPY --from=build /src/target/app-fat.jar /app/app-fat.jar
COPY conf /app/conf
# SIGTERM reaches the JVM directly: the node releases the lease and returns unfinished messages
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/app-fat.jar"]
CMD ["run"]
