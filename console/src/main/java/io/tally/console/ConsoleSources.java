package io.tally.console;

import io.tally.schemas.LedgerTopics;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * Where the console reads from.
 *
 * @param kafka Kafka client properties ({@code bootstrap.servers} and security), for the lag and the
 *     dead letters
 * @param topics tally's topics
 * @param dataSource the PostgreSQL holding {@code reconciliation_runs} and {@code account_balances}
 * @param projectorApi the projector's read API base, e.g. {@code http://127.0.0.1:8081}: account reads are
 *     asked of it with the caller's own token, so the page shows exactly what the API answers
 * @param groups the consumer groups whose lag the console shows, each with the topics it consumes
 * @param liveProjector the projector application id readers use now (it changes when a rebuild switches)
 */
public record ConsoleSources(Map<String, Object> kafka, LedgerTopics topics, DataSource dataSource, URI projectorApi,
        List<Group> groups, Supplier<String> liveProjector) {

    /** A consumer group the console watches: what people call it, its id, and the topics it reads. */
    public record Group(String service, String groupId, List<String> topics) {
    }
}
