package io.tally.schemas;

import java.util.Map;
import java.util.Objects;

/**
 * How a topic is to be created: name, partitions and the configs that matter for its role
 * (DESIGN.md, Topics).
 *
 * @param name the topic name
 * @param partitions partition count
 * @param configs topic configs such as {@code cleanup.policy} and {@code retention.ms}
 */
public record TopicSpec(String name, int partitions, Map<String, String> configs) {
    public TopicSpec {
        Objects.requireNonNull(name, "name");
        configs = Map.copyOf(configs);
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be >= 1: " + partitions);
        }
    }
}
