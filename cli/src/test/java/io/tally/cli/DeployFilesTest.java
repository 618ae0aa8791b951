package io.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code deploy/}'s Prometheus rules and Grafana dashboard, checked without a Prometheus or a Grafana:
 * the rules parse and pass their unit tests ({@code promtool}, Debian's {@code prometheus} package, where
 * it is installed: {@code .ci/run} installs it), every alert has a unit test, the dashboard's panels all
 * query the provisioned datasource, and the compose file mounts what the configuration files expect. That
 * every queried metric exists on the services' {@code /metrics} is {@code DashboardMetricsIT}'s part.
 */
class DeployFilesTest {
    @Test
    void theAlertRulesAreValidAndPassTheirUnitTests() throws Exception {
        assumeTrue(DeployFiles.onPath("promtool"), "promtool is not installed (apt-get install prometheus); the rules are not checked");
        assertThat(promtool("check", "rules", "alerts.yml")).contains("SUCCESS");
        assertThat(promtool("check", "config", "prometheus.yml")).contains("SUCCESS");
        assertThat(promtool("test", "rules", "alerts-test.yml")).contains("SUCCESS");
    }

    @Test
    void everyAlertHasAUnitTestThatExpectsItToFire() throws Exception {
        Set<String> alerts = new TreeSet<>();
        DeployFiles.alertQueries().forEach(q -> alerts.add(q.where().substring("alert ".length())));
        Set<String> firing = new TreeSet<>();
        for (JsonNode test : DeployFiles.yaml(DeployFiles.PROMETHEUS.resolve("alerts-test.yml")).path("tests")) {
            for (JsonNode check : test.path("alert_rule_test")) {
                if (!check.path("exp_alerts").isEmpty()) {
                    firing.add(check.path("alertname").asText());
                }
            }
        }
        assertThat(alerts).hasSizeGreaterThanOrEqualTo(10);
        assertThat(firing).as("alerts with a test case where they fire").containsAll(alerts);
    }

    @Test
    void everyAlertHasASeverityAndASummary() throws Exception {
        for (JsonNode group : DeployFiles.yaml(DeployFiles.PROMETHEUS.resolve("alerts.yml")).path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                String name = rule.path("alert").asText();
                assertThat(rule.path("labels").path("severity").asText()).as(name).isIn("page", "warn");
                assertThat(rule.path("annotations").path("summary").asText()).as(name).isNotBlank();
            }
        }
    }

    @Test
    void everyPanelQueriesTheProvisionedDatasourceAndReadsTallysMetrics() throws Exception {
        JsonNode datasource = DeployFiles.yaml(DeployFiles.DATASOURCES).path("datasources").get(0);
        String uid = datasource.path("uid").asText();
        assertThat(datasource.path("url").asText()).isEqualTo("http://prometheus:9090");
        JsonNode dashboard = DeployFiles.dashboard();
        assertThat(dashboard.path("uid").asText()).isNotBlank();
        List<JsonNode> panels = DeployFiles.panels(dashboard);
        assertThat(panels).hasSizeGreaterThanOrEqualTo(10);
        Set<Integer> ids = new HashSet<>();
        for (JsonNode panel : panels) {
            String title = panel.path("title").asText();
            assertThat(ids.add(panel.path("id").asInt())).as("unique id: " + title).isTrue();
            assertThat(panel.path("datasource").path("uid").asText()).as(title).isEqualTo(uid);
            JsonNode grid = panel.path("gridPos");
            assertThat(grid.path("x").asInt() + grid.path("w").asInt()).as(title + " fits 24 columns").isLessThanOrEqualTo(24);
            assertThat(panel.path("targets")).as(title).isNotEmpty();
            Set<String> refIds = new HashSet<>();
            for (JsonNode target : panel.path("targets")) {
                assertThat(refIds.add(target.path("refId").asText())).as(title + " refIds unique").isTrue();
            }
        }
        for (DeployFiles.Query query : DeployFiles.dashboardQueries()) {
            assertThat(query.metrics()).as(query.where() + ": " + query.expr()).isNotEmpty();
        }
    }

    @Test
    void theDashboardCoversWhatOperatorsWatch() throws Exception {
        Set<String> metrics = DeployFiles.queriedMetrics();
        assertThat(metrics).contains(
                "tally_http_requests_total",                      // request rate by outcome
                "tally_http_write_latency_seconds_bucket",        // latency by outcome
                "tally_ledger_requests_total",                    // rejection codes, dead letters
                "kafka_consumer_fetch_manager_records_lag",       // consumer lag per service
                "kafka_stream_thread_commit_latency_max",         // commit latency
                "tally_reconciliation_drift_accounts",            // drift by tier
                "kafka_stream_state_block_cache_usage",           // RocksDB memory
                "kafka_stream_state_cur_size_all_mem_tables");
    }

    @Test
    void composeMountsTheFilesWhereTheirConfigurationsLookAndScrapesEveryService() throws Exception {
        JsonNode services = DeployFiles.yaml(DeployFiles.COMPOSE).path("services");
        assertThat(volumes(services.path("prometheus"))).contains("./deploy/prometheus:/etc/prometheus:ro");
        assertThat(volumes(services.path("grafana"))).contains(
                "./deploy/grafana/provisioning:/etc/grafana/provisioning:ro",
                "./deploy/grafana/dashboards:" + DeployFiles.yaml(DeployFiles.DASHBOARD_PROVIDERS)
                        .path("providers").get(0).path("options").path("path").asText() + ":ro");
        List<String> targets = new ArrayList<>();
        for (JsonNode job : DeployFiles.yaml(DeployFiles.PROMETHEUS.resolve("prometheus.yml")).path("scrape_configs")) {
            String name = job.path("job_name").asText();
            job.path("static_configs").get(0).path("targets").forEach(t -> targets.add(name + "=" + t.asText()));
        }
        // Each service's job is named after it, at the port of its /health and /metrics (8080 in compose).
        assertThat(targets).containsExactlyInAnyOrder("ledger-service=ledger-service:8080", "projector=projector:8080",
                "reconciler=reconciler:8080");
        assertThat(services.path("reconciler").path("command").toString()).contains("\"--metrics-port\",\"8080\"");
    }

    private static List<String> volumes(JsonNode service) {
        List<String> volumes = new ArrayList<>();
        service.path("volumes").forEach(v -> volumes.add(v.asText()));
        return volumes;
    }

    private static String promtool(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("promtool"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(DeployFiles.PROMETHEUS.toFile())
                .redirectErrorStream(true).start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as(String.join(" ", command) + "\n" + output).isZero();
        return output;
    }
}
