package io.tally.platform.http;

import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * A real Javalin server (Jetty on a free port of 127.0.0.1) for platform's HTTP tests, configured by
 * {@link HttpErrors#configure} as the services' are, and a client for it (HTTP/1.1, 30 s a request).
 * Thread-safe as Javalin and the JDK's client are.
 */
final class TestServer implements AutoCloseable {
    private static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private final Javalin app;

    private TestServer(Javalin app) {
        this.app = app;
    }

    /**
     * Starts a server.
     *
     * @param config more configuration, after {@link HttpErrors#configure}
     * @param routes adds the routes under test
     */
    static TestServer start(Consumer<JavalinConfig> config, Consumer<Javalin> routes) {
        Javalin app = Javalin.create(c -> {
            c.showJavalinBanner = false;
            HttpErrors.configure(c);
            config.accept(c);
        });
        routes.accept(app);
        app.start("127.0.0.1", 0);
        return new TestServer(app);
    }

    /** The port it serves on. */
    int port() {
        return app.port();
    }

    /** A request to {@code path} on this server. */
    HttpRequest.Builder to(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path));
    }

    /** Sends {@code request} and waits up to 30 s for the answer, read as a string. */
    HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() {
        app.stop();
    }
}
