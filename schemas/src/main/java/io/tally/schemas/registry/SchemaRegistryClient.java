package io.tally.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/**
 * A client of a Confluent-compatible Schema Registry's REST API (Confluent's "Schema Registry API
 * Reference"), limited to what tally's serde needs:
 * <ul>
 *   <li>{@code POST /subjects/{subject}/versions} with {@code {"schema": "<schema JSON>"}}, answered
 *       {@code {"id": n}}: registers a schema (or finds it, if already registered) under a subject;</li>
 *   <li>{@code GET /schemas/ids/{id}}, answered {@code {"schema": "<schema JSON>"}}, or 404 with
 *       {@code error_code} 40403 for an unknown id.</li>
 * </ul>
 * Both directions are cached for the life of the client (a schema id never changes meaning), so a
 * running service asks the registry once per schema.
 *
 * <p>Uses the JDK's {@link HttpClient} (no extra dependency) and Jackson for JSON. Thread-safe.
 */
public final class SchemaRegistryClient {
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI baseUrl;
    private final HttpClient http;
    private final Optional<String> authorization;
    private final Duration requestTimeout;
    private final Map<String, Integer> idsBySubjectAndSchema = new ConcurrentHashMap<>();
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();

    /**
     * @param baseUrl the registry's address, e.g. {@code http://schema-registry:8081}
     * @param basicAuthUserInfo {@code user:password} for HTTP basic authentication (Confluent's
     *     {@code basic.auth.user.info}), or empty
     * @param requestTimeout how long one request may take
     */
    public SchemaRegistryClient(URI baseUrl, Optional<String> basicAuthUserInfo, Duration requestTimeout) {
        String url = baseUrl.toString();
        this.baseUrl = URI.create(url.endsWith("/") ? url : url + "/");
        this.authorization = basicAuthUserInfo.map(userInfo -> "Basic "
                + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8)));
        this.requestTimeout = requestTimeout;
        this.http = HttpClient.newBuilder().connectTimeout(requestTimeout).build();
    }

    /** A client of the registry at {@code baseUrl} without authentication, 10 s per request. */
    public static SchemaRegistryClient of(String baseUrl) {
        return new SchemaRegistryClient(URI.create(baseUrl), Optional.empty(), Duration.ofSeconds(10));
    }

    /**
     * The id of {@code schema} under {@code subject}, registering it if the registry does not have
     * it yet (the registry answers an already registered schema with its existing id).
     *
     * @throws IncompatibleSchemaException if the registry refuses the schema as incompatible with
     *     the subject's registered versions (409)
     * @throws SchemaRegistryException if the registry refuses otherwise or cannot be reached
     */
    public int register(String subject, Schema schema) {
        String schemaJson = schema.toString();
        return idsBySubjectAndSchema.computeIfAbsent(subject + '\u0000' + schemaJson, k -> {
            String body;
            try {
                body = JSON.writeValueAsString(Map.of("schema", schemaJson));
            } catch (IOException e) {
                throw new SchemaRegistryException("cannot write a registration request: " + e.getMessage(), e);
            }
            HttpRequest request = request("subjects/" + URLEncoder.encode(subject, StandardCharsets.UTF_8) + "/versions")
                    .header("Content-Type", CONTENT_TYPE)
                    .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                    .build();
            HttpResponse<String> response = exchange(request, "register a schema under subject " + subject);
            if (response.statusCode() == 409) {
                throw new IncompatibleSchemaException(subject, "registry at " + baseUrl + " refused schema "
                        + schema.getFullName() + " under subject " + subject + " as incompatible with the versions"
                        + " registered there (409, nothing produced; make the change compatible under the"
                        + " subject's compatibility level, BACKWARD by default): " + registryMessage(response));
            }
            JsonNode answer = parse(response, "register a schema under subject " + subject);
            if (!answer.path("id").canConvertToInt()) {
                throw new SchemaRegistryException("registry answered a registration under " + subject
                        + " without an id: " + answer);
            }
            return answer.get("id").intValue();
        });
    }

    /**
     * The schema registered with {@code id}.
     *
     * @return the schema, or empty if the registry has no schema with that id (404, error 40403)
     * @throws SchemaRegistryException if the registry cannot be reached or answers otherwise
     */
    public Optional<Schema> schemaById(int id) {
        Schema cached = schemasById.get(id);
        if (cached != null) {
            return Optional.of(cached);
        }
        HttpRequest request = request("schemas/ids/" + id).GET().build();
        HttpResponse<String> response = exchange(request, "look up schema id " + id);
        if (response.statusCode() == 404) {
            return Optional.empty();
        }
        JsonNode answer = parse(response, "look up schema id " + id);
        Schema schema;
        try {
            schema = new Schema.Parser().parse(answer.path("schema").asText());
        } catch (RuntimeException e) {
            throw new SchemaRegistryException("schema id " + id + " is not an Avro schema: " + e.getMessage(), e);
        }
        schemasById.putIfAbsent(id, schema);
        return Optional.of(schema);
    }

    /** The {@code message} of a registry's error answer ({@code {"error_code": n, "message": "..."}}), else its body. */
    private static String registryMessage(HttpResponse<String> response) {
        try {
            JsonNode error = JSON.readTree(response.body());
            return error.hasNonNull("message") ? error.get("message").asText() : response.body();
        } catch (IOException e) {
            return response.body();
        }
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(baseUrl.resolve(path))
                .timeout(requestTimeout)
                .header("Accept", CONTENT_TYPE + ", application/json");
        authorization.ifPresent(value -> builder.header("Authorization", value));
        return builder;
    }

    private HttpResponse<String> exchange(HttpRequest request, String what) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new SchemaRegistryException("cannot " + what + " at " + baseUrl + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryException("interrupted while trying to " + what, e);
        }
    }

    private JsonNode parse(HttpResponse<String> response, String what) {
        if (response.statusCode() / 100 != 2) {
            throw new SchemaRegistryException("cannot " + what + ": registry at " + baseUrl + " answered "
                    + response.statusCode() + " " + response.body());
        }
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new SchemaRegistryException("cannot " + what + ": registry answered no JSON: " + response.body(), e);
        }
    }
}
