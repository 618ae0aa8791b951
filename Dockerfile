# tally's image: one jar (./tally) whose subcommands run each service alone:
#   serve ledger | serve projector | reconcile --every 24h
# Built by docker-compose.yml for all three services.

# --- build: the Maven Wrapper, as on a developer's machine -------------------------------------
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
# The cache mount keeps ~/.m2 between builds; tests run in CI, not in the image build.
RUN --mount=type=cache,target=/root/.m2 ./mvnw -B -q -DskipTests package

# --- runtime: a JRE, the jar and its libraries, a non-root user --------------------------------
FROM eclipse-temurin:17-jre
# curl for the health check only.
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 tally \
 && useradd --system --uid 10001 --gid tally --home-dir /var/lib/tally --shell /usr/sbin/nologin tally \
 && mkdir -p /var/lib/tally/state \
 && chown -R tally:tally /var/lib/tally
COPY --from=build /src/cli/target/tally.jar /opt/tally/tally.jar
COPY --from=build /src/cli/target/lib/ /opt/tally/lib/
USER tally
WORKDIR /var/lib/tally
ENV TALLY_STATE_DIR=/var/lib/tally/state \
    TALLY_HEALTH_PORT=8080 \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
VOLUME ["/var/lib/tally/state"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=90s --retries=3 \
  CMD curl -fsS "http://127.0.0.1:${TALLY_HEALTH_PORT}/health" || exit 1
# Exec form: java is PID 1 and receives SIGTERM itself, which closes the service gracefully.
ENTRYPOINT ["java", "-jar", "/opt/tally/tally.jar"]
CMD ["--help"]
