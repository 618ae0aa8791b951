package io.tally.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;

/**
 * A test double of the Confluent Schema Registry's REST protocol, not a mock of Kafka: an HTTP server
 * on 127.0.0.1 (the JDK's {@code com.sun.net.httpserver}) that implements exactly the two endpoints
 * tally's {@link SchemaRegistryClient} uses, with the documented request and response shapes:
 * <ul>
 *   <li>{@code POST /subjects/{subject}/versions}, body {@code {"schema": "..."}}: answers
 *       {@code {"id": n}}, the same id again for a schema already registered (compared by parsed
 *       schema, as the registry does);</li>
 *   <li>{@code GET /schemas/ids/{id}}: {@code {"schema": "..."}}, or 404 with
 *       {@code {"error_code": 40403, "message": "Schema not found"}}.</li>
 * </ul>
 * Compatibility checks, versions and deletes are not implemented. Thread-safe.
 */
public final class TestSchemaRegistry implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final Map<Integer, Schema> schemasById = new LinkedHashMap<>();
    private final Map<Integer, String> subjectsById = new LinkedHashMap<>();
    private final AtomicInteger nextId = new AtomicInteger(1);
    private final List<String> requests = new CopyOnWriteArrayList<>();

    private TestSchemaRegistry(HttpServer server) {
        this.server = server;
    }

    /** Starts a registry on a free port of 127.0.0.1. */
    public static TestSchemaRegistry start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            TestSchemaRegistry registry = new TestSchemaRegistry(server);
            server.createContext("/", registry::handle);
            server.start();
            return registry;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The base URL, e.g. {@code http://127.0.0.1:41234}. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Registers {@code schema} under {@code subject} with the given {@code id}, as if an older writer had. */
    public synchronized void put(int id, String subject, Schema schema) {
        schemasById.put(id, schema);
        subjectsById.put(id, subject);
        nextId.set(Math.max(nextId.get(), id + 1));
    }

    /** The subject under which schema {@code id} was registered, or {@code null}. */
    public synchronized String subjectOf(int id) {
        return subjectsById.get(id);
    }

    /** Every request received, as {@code "METHOD path"}, oldest first. */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getRawPath();
            requests.add(method + " " + path);
            String[] parts = path.split("/");
            if (method.equals("POST") && parts.length == 4 && parts[1].equals("subjects") && parts[3].equals("versions")) {
                String subject = URLDecoder.decode(parts[2], StandardCharsets.UTF_8);
                JsonNode body = JSON.readTree(exchange.getRequestBody());
                Schema schema = new Schema.Parser().parse(body.get("schema").asText());
                respond(exchange, 200, Map.of("id", register(subject, schema)));
            } else if (method.equals("GET") && parts.length == 4 && parts[1].equals("schemas") && parts[2].equals("ids")) {
                Schema schema = lookup(Integer.parseInt(parts[3]));
                if (schema == null) {
                    respond(exchange, 404, Map.of("error_code", 40403, "message", "Schema not found"));
                } else {
                    respond(exchange, 200, Map.of("schema", schema.toString()));
                }
            } else {
                respond(exchange, 404, Map.of("error_code", 404, "message", "HTTP 404 Not Found"));
            }
        }
    }

    private synchronized int register(String subject, Schema schema) {
        for (var entry : schemasById.entrySet()) {
            if (entry.getValue().equals(schema) && subject.equals(subjectsById.get(entry.getKey()))) {
                return entry.getKey();
            }
        }
        int id = nextId.getAndIncrement();
        put(id, subject, schema);
        return id;
    }

    private synchronized Schema lookup(int id) {
        return schemasById.get(id);
    }

    private static void respond(HttpExchange exchange, int status, Map<String, Object> body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().add("Content-Type", "application/vnd.schemaregistry.v1+json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
