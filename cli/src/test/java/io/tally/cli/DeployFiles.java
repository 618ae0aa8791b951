package io.tally.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The files in {@code deploy/} and the compose file as the tests read them: the Grafana dashboard's queries and the Prometheus
 * alert rules' expressions, and the metric names they use.
 */
final class DeployFiles {
    static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    static final Path DEPLOY = ROOT.resolve("deploy");
    static final Path PROMETHEUS = DEPLOY.resolve("prometheus");
    static final Path DASHBOARD = DEPLOY.resolve("grafana/dashboards/tally.json");
    static final Path DATASOURCES = DEPLOY.resolve("grafana/provisioning/datasources/prometheus.yml");
    static final Path DASHBOARD_PROVIDERS = DEPLOY.resolve("grafana/provisioning/dashboards/tally.yml");
    static final Path COMPOSE = ROOT.resolve("docker-compose.yml");

    /**
     * A metric a service exposes, as PromQL names it: tally's own meters, the Kafka clients' and Kafka
     * Streams' (through Micrometer's binder), the JVM's and the process's. {@code up} and {@code time()}
     * come from Prometheus itself and are not matched.
     */
    private static final Pattern METRIC = Pattern.compile("\\b(?:tally|kafka|jvm|process)_[a-z0-9_]+\\b");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private DeployFiles() {
    }

    /** A query and where it is: a panel's title or an alert's name. */
    record Query(String where, String expr) {
        /** The metric names it reads; empty for a query of Prometheus's own series only. */
        Set<String> metrics() {
            Set<String> names = new TreeSet<>();
            Matcher m = METRIC.matcher(expr);
            while (m.find()) {
                names.add(m.group());
            }
            return names;
        }
    }

    /** Whether {@code program} is an executable file in a {@code PATH} directory. */
    static boolean onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    static JsonNode dashboard() throws IOException {
        return JSON.readTree(DASHBOARD.toFile());
    }

    static JsonNode yaml(Path file) throws IOException {
        return YAML.readTree(file.toFile());
    }

    /** Every panel's every target's query, rows' nested panels included. */
    static List<Query> dashboardQueries() throws IOException {
        List<Query> queries = new ArrayList<>();
        for (JsonNode panel : panels(dashboard())) {
            for (JsonNode target : panel.path("targets")) {
                queries.add(new Query("panel " + panel.path("title").asText(), target.path("expr").asText()));
            }
        }
        return queries;
    }

    /** Every panel that is not a row, rows' nested panels included. */
    static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> panels = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            if (panel.path("type").asText().equals("row")) {
                panel.path("panels").forEach(panels::add);
            } else {
                panels.add(panel);
            }
        }
        return panels;
    }

    /** Every alerting rule's expression in {@code alerts.yml}. */
    static List<Query> alertQueries() throws IOException {
        List<Query> queries = new ArrayList<>();
        for (JsonNode group : yaml(PROMETHEUS.resolve("alerts.yml")).path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                queries.add(new Query("alert " + rule.path("alert").asText(), rule.path("expr").asText()));
            }
        }
        return queries;
    }

    /** The metric names the dashboard and the alert rules read. */
    static Set<String> queriedMetrics() throws IOException {
        Set<String> names = new TreeSet<>();
        dashboardQueries().forEach(q -> names.addAll(q.metrics()));
        alertQueries().forEach(q -> names.addAll(q.metrics()));
        return names;
    }
}
