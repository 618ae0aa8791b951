package io.tally.bench;

import io.tally.ledger.http.LedgerHttpApi;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.util.StringRequestContent;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;

/**
 * The bench's HTTP client for ledger-service writes: Jetty's asynchronous client (HTTP/1.1, keep-alive,
 * up to {@link OpenLoad#MAX_IN_FLIGHT} connections), which costs a fraction of the JDK's
 * {@code HttpClient} per request (issue 15: measured in the same process, the JDK client took as much
 * CPU per request as the server under test). A response body is read and dropped.
 *
 * <p>Thread-safe as Jetty's client is.
 */
final class HttpWriteClient implements AutoCloseable {
    private final HttpClient client = new HttpClient();
    private final String base;
    private final String token;

    /** Starts the client for {@code base} (e.g. {@code http://127.0.0.1:8080}), sending {@code token}. */
    HttpWriteClient(String base, String token) throws Exception {
        this.base = base;
        this.token = token;
        client.setMaxConnectionsPerDestination(OpenLoad.MAX_IN_FLIGHT);
        client.setMaxRequestsQueuedPerDestination(OpenLoad.MAX_IN_FLIGHT * 4);
        client.setFollowRedirects(false);
        client.start();
    }

    /**
     * POSTs {@code json} to {@code path} with {@code idempotencyKey}; the future completes with the
     * status when it is {@code expectedStatus}, exceptionally otherwise or on a failure.
     */
    CompletableFuture<Integer> post(String path, String idempotencyKey, String json, int expectedStatus) {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        client.newRequest(base + path).method(HttpMethod.POST).timeout(30, TimeUnit.SECONDS)
                .headers(h -> h.put(HttpHeader.AUTHORIZATION, "Bearer " + token)
                        .put(LedgerHttpApi.IDEMPOTENCY_KEY, idempotencyKey))
                .body(new StringRequestContent("application/json", json))
                .send(result -> {
                    if (result.isFailed()) {
                        done.completeExceptionally(result.getFailure());
                    } else if (result.getResponse().getStatus() != expectedStatus) {
                        done.completeExceptionally(new IllegalStateException("HTTP " + result.getResponse().getStatus()));
                    } else {
                        done.complete(result.getResponse().getStatus());
                    }
                });
        return done;
    }

    @Override
    public void close() throws Exception {
        client.stop();
    }
}
