package io.tally.platform.http;

import io.tally.platform.http.BearerAuth.Scope;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The services' bearer tokens with their scopes ({@link Scope}), kept only as SHA-256 hashes:
 * configuration never holds a usable token. A configuration line is
 * {@code <sha-256 hex of the token>:<scope>[,<scope>...][:<name>]}, e.g.
 * {@code 9f86d0…:write,read:checkout-service}. {@link BearerAuth} checks requests against it.
 *
 * <p>Thread-safe: immutable.
 */
public final class Tokens {
    /**
     * One configured token.
     *
     * @param name its name as configured, or {@code token-<line>}
     * @param scopes what it may do
     */
    public record Entry(String name, Set<Scope> scopes) {}

    private final Map<String, Entry> byHash;

    private Tokens(Map<String, Entry> byHash) {
        this.byHash = Map.copyOf(byHash);
    }

    /**
     * Parses configuration lines (blank lines and {@code #} comments are skipped).
     *
     * @throws IllegalArgumentException naming the line that is not {@code hash:scopes[:name]}, or a
     *     scope that is none of {@code write}, {@code read}, {@code admin}
     */
    public static Tokens parse(List<String> lines) {
        Map<String, Entry> byHash = new HashMap<>();
        int n = 0;
        for (String raw : lines) {
            n++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.split(":", 3);
            if (parts.length < 2 || !parts[0].matches("[0-9a-f]{64}")) {
                throw new IllegalArgumentException("token line " + n + " is not <sha-256 hex>:<scopes>[:<name>]");
            }
            EnumSet<Scope> scopes = EnumSet.noneOf(Scope.class);
            for (String scope : parts[1].split(",")) {
                try {
                    scopes.add(Scope.valueOf(scope.strip().toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("token line " + n + ": unknown scope '" + scope + "'");
                }
            }
            byHash.put(parts[0], new Entry(parts.length == 3 ? parts[2] : "token-" + n, scopes));
        }
        return new Tokens(byHash);
    }

    /** The configured token presented as {@code token}, if any. */
    public Optional<Entry> find(String token) {
        return Optional.ofNullable(byHash.get(hash(token)));
    }

    /** SHA-256 of {@code token}'s UTF-8 bytes, lower-case hex: what configuration stores. */
    public static String hash(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JVM has SHA-256", e);
        }
    }

    /** A new random token: {@code tly_} and 256 bits in URL-safe Base64. */
    public static String generate() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return "tly_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
