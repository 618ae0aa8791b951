package io.tally.platform.metrics;

import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The registry a tally process serves on {@code /metrics}: Prometheus, with the JVM's and the
 * process's own meters bound (Micrometer's binders: {@code jvm_memory_used_bytes{area,id}},
 * {@code jvm_gc_pause_seconds}, {@code jvm_threads_live_threads}, {@code process_cpu_usage},
 * {@code process_uptime_seconds}, {@code process_files_open_files}, ...), so that a dashboard can put a
 * service's heap beside its RocksDB memory ({@code kafka_stream_state_*}, which Kafka Streams reports
 * and {@code KafkaStreamsMetrics} picks up within 60 s of the stores opening). The meters the
 * dashboards and alert rules in {@code deploy/} read are listed in DESIGN.md, "Dashboards and alerts".
 */
public final class ServiceMetrics {
    private ServiceMetrics() {
    }

    /**
     * A new registry with the JVM and process binders bound.
     *
     * @return a registry the caller owns (thread-safe, as every Micrometer registry)
     */
    public static PrometheusMeterRegistry newRegistry() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        // Its GC notification listener lives as long as the JVM: one registry per process.
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        return registry;
    }
}
