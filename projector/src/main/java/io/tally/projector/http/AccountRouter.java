package io.tally.projector.http;

import io.javalin.http.Context;
import io.micrometer.core.instrument.MeterRegistry;
import io.tally.platform.http.ErrorBody;
import io.tally.platform.http.ErrorCode;
import io.tally.platform.http.HttpErrors;
import io.tally.projector.kafka.ProjectorApp;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers a read where its account lives: here, from the partition's stores, when this instance hosts
 * the account's partition actively ({@code queryMetadataForKey} on the balance store; an account's holds
 * and history live in the same task), else forwarded once to the owner's {@code application.server}
 * (header {@link ProjectorHttpApi#FORWARDED_BY}, the caller's {@code Authorization} passed on) and its
 * answer relayed. 503 {@code UNAVAILABLE} with {@code Retry-After} while the client is not
 * {@code RUNNING}, the owner is unknown or does not answer, a forwarded request is not owned where it
 * lands (ownership is moving), or the stores throw {@link InvalidStateStoreException}.
 *
 * <p>Counts {@code tally.projector.http.requests{route=local|forwarded|unavailable}}.
 *
 * <p>Thread-safe: the HTTP client and the projector are.
 */
final class AccountRouter {
    private static final Logger log = LoggerFactory.getLogger(ProjectorHttpApi.class);

    /** A read answered from this instance's stores of the account's partition. */
    @FunctionalInterface
    interface LocalRead {
        /** Answers from {@code projector}'s stores of {@code partition}, which this instance runs actively. */
        void answer(Context ctx, ProjectorApp projector, String accountId, int partition) throws InterruptedException;
    }

    private final Supplier<ProjectorApp> projector;
    private final HostInfo self;
    private final Duration forwardTimeout;
    private final MeterRegistry metrics;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /**
     * @param projector the projector readers use now
     * @param self this instance's {@code application.server}
     * @param forwardTimeout how long a forwarded request may take (the owner may wait for a version)
     * @param metrics where the route counter goes
     */
    AccountRouter(Supplier<ProjectorApp> projector, HostInfo self, Duration forwardTimeout, MeterRegistry metrics) {
        this.projector = projector;
        this.self = self;
        this.forwardTimeout = forwardTimeout;
        this.metrics = metrics;
    }

    /** Answers {@code local} here if the account is owned here, else from its owner, else 503. */
    void route(Context ctx, String accountId, LocalRead local) throws InterruptedException {
        // One projector for the whole request, even if readers are switched to a rebuilt one meanwhile.
        ProjectorApp projector = this.projector.get();
        KafkaStreams.State state = projector.state();
        if (state != KafkaStreams.State.RUNNING) {
            unavailable(ctx, "the projector is " + state);
            return;
        }
        KeyQueryMetadata owner;
        try {
            owner = projector.ownerOf(accountId);
        } catch (RuntimeException notQueryable) { // stopped or not started between the check and the call
            unavailable(ctx, "the projector is " + projector.state());
            return;
        }
        if (owner == null || KeyQueryMetadata.NOT_AVAILABLE.equals(owner) || owner.activeHost() == null) {
            unavailable(ctx, "the owner of account " + accountId + " is not known yet");
        } else if (owner.activeHost().equals(self)) {
            answerHere(ctx, projector, accountId, owner.partition(), local);
        } else if (ctx.header(ProjectorHttpApi.FORWARDED_BY) != null) {
            // The forwarder and this instance disagree on the owner: ownership is moving.
            unavailable(ctx, "account " + accountId + " is owned by " + owner.activeHost() + ", not here (forwarded by "
                    + ctx.header(ProjectorHttpApi.FORWARDED_BY) + ")");
        } else {
            forward(ctx, owner.activeHost());
        }
    }

    private void answerHere(Context ctx, ProjectorApp projector, String accountId, int partition, LocalRead local)
            throws InterruptedException {
        try {
            local.answer(ctx, projector, accountId, partition);
            count("local");
        } catch (InvalidStateStoreException moving) {
            unavailable(ctx, "the stores of account " + accountId + " are not queryable here now: " + moving.getMessage());
        }
    }

    private void forward(Context ctx, HostInfo owner) throws InterruptedException {
        String query = ctx.queryString();
        URI uri = URI.create("http://" + owner.host() + ":" + owner.port() + ctx.req().getRequestURI()
                + (query == null ? "" : "?" + query));
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET()
                .timeout(forwardTimeout)
                .header(ProjectorHttpApi.FORWARDED_BY, self.host() + ":" + self.port());
        String authorization = ctx.header("Authorization");
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        HttpResponse<String> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException unreachable) {
            log.warn("forwarding {} to {} failed: {}", uri, owner, unreachable.toString());
            unavailable(ctx, "the owner " + owner + " did not answer");
            return;
        }
        count("forwarded");
        ctx.status(response.statusCode()).contentType("application/json").result(response.body());
        response.headers().firstValue("Retry-After").ifPresent(v -> ctx.header("Retry-After", v));
    }

    private void unavailable(Context ctx, String why) {
        count("unavailable");
        ctx.header("Retry-After", Integer.toString(ProjectorHttpApi.RETRY_AFTER_S));
        HttpErrors.answer(ctx, ErrorCode.UNAVAILABLE.status(), ErrorBody.of(ErrorCode.UNAVAILABLE, why)
                .with("status", "UNAVAILABLE"));
    }

    private void count(String route) {
        metrics.counter("tally.projector.http.requests", "route", route).increment();
    }
}
