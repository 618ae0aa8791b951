package io.tally.platform.http;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.tally.core.Ids;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jetty.http.HttpField;

/**
 * Reads a request body as exactly one JSON object, strictly, so that tally reads a body the way any
 * other JSON reader would (no parser differential):
 * <ul>
 *   <li>the body must be declared {@code Content-Type: application/json}, with no parameter but an
 *       optional {@code charset=utf-8} (RFC 8259 section 8.1: JSON between systems is UTF-8), and no
 *       {@code Content-Encoding} but {@code identity}; otherwise 415;</li>
 *   <li>at most {@code maxBytes} bytes, whether declared by {@code Content-Length} or streamed
 *       (chunked): the body is read up to one byte past the limit and no further; otherwise 413;</li>
 *   <li>one JSON value and nothing after it ({@code FAIL_ON_TRAILING_TOKENS}, which
 *       {@code ObjectMapper.readTree} honours), an object, each member name once
 *       ({@code STRICT_DUPLICATE_DETECTION}: {@code {"amountMinor": -5, "amountMinor": 100}} is refused
 *       rather than read as 100), in valid UTF-8, with none of Jackson's lenient extensions (comments,
 *       single quotes, NaN, leading zeros: all off by default); otherwise 400 naming {@code body}, or the
 *       duplicated member.</li>
 * </ul>
 * Unknown members are the endpoint's to refuse, against what it reads ({@link JsonFields}).
 *
 * <p>Thread-safe: the mapper is configured once and only read.
 */
public final class StrictJson {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private StrictJson() {}

    /**
     * Reads {@code ctx}'s body: {@link JsonBody.Refused} (415 for the Content-Type or Content-Encoding,
     * 413 past {@code maxBytes}), {@link JsonBody.Malformed} (not one JSON object) or
     * {@link JsonBody.Parsed}. Reads the body's input stream itself, so call it instead of, not after,
     * Javalin's {@code ctx.body()}, whose size check sees only a declared {@code Content-Length}.
     */
    public static JsonBody read(Context ctx, int maxBytes) {
        Optional<String> mediaType = contentTypeProblem(Collections.list(ctx.req().getHeaders("Content-Type")))
                .or(() -> contentEncodingProblem(Collections.list(ctx.req().getHeaders("Content-Encoding"))));
        if (mediaType.isPresent()) {
            return new JsonBody.Refused(ErrorCode.UNSUPPORTED_MEDIA_TYPE.status(),
                    ErrorBody.of(ErrorCode.UNSUPPORTED_MEDIA_TYPE, mediaType.get()));
        }
        if (ctx.req().getContentLengthLong() > maxBytes) {
            return tooLarge(maxBytes);
        }
        byte[] bytes;
        try {
            bytes = ctx.bodyInputStream().readNBytes(maxBytes + 1);
        } catch (IOException e) { // a chunked body broken off or badly framed
            return new JsonBody.Malformed(new FieldError(FieldError.BODY, "could not be read: "
                    + Ids.printable(String.valueOf(e.getMessage()))));
        }
        return bytes.length > maxBytes ? tooLarge(maxBytes) : parse(bytes);
    }

    /** {@code bytes} as one JSON object ({@link JsonBody.Parsed}) or why not ({@link JsonBody.Malformed}). */
    public static JsonBody parse(byte[] bytes) {
        JsonNode node;
        try {
            node = MAPPER.readTree(bytes);
        } catch (JsonProcessingException e) {
            return new JsonBody.Malformed(errorOf(e));
        } catch (IOException e) {
            throw new UncheckedIOException("reading a byte array", e);
        }
        if (node == null || node.isMissingNode()) {
            return new JsonBody.Malformed(new FieldError(FieldError.BODY, "must be a JSON object; the body is empty"));
        }
        if (!node.isObject()) {
            return new JsonBody.Malformed(new FieldError(FieldError.BODY, "must be a JSON object, not "
                    + node.getNodeType().name().toLowerCase(Locale.ROOT)));
        }
        return new JsonBody.Parsed(new JsonFields((ObjectNode) node));
    }

    /**
     * Why {@code values} (every {@code Content-Type} header of a request) do not declare a JSON body,
     * or empty if they do: exactly one header, media type {@code application/json} (case-insensitive),
     * no parameter but {@code charset} and that {@code utf-8}. Parameters are read by Jetty's
     * {@link HttpField#valueParameters} (quoted values included).
     */
    public static Optional<String> contentTypeProblem(List<String> values) {
        if (values.isEmpty()) {
            return Optional.of("Content-Type is required: application/json");
        }
        if (values.size() > 1) {
            return Optional.of("Content-Type must be sent once, was sent " + values.size() + " times");
        }
        Map<String, String> parameters = new HashMap<>();
        String mediaType = HttpField.valueParameters(values.get(0), parameters);
        if (mediaType == null || !mediaType.strip().equalsIgnoreCase("application/json")) {
            return Optional.of("Content-Type must be application/json, was '" + Ids.printable(values.get(0)) + "'");
        }
        for (Map.Entry<String, String> parameter : parameters.entrySet()) {
            String name = parameter.getKey().strip().toLowerCase(Locale.ROOT);
            if (!name.equals("charset")) {
                return Optional.of("Content-Type application/json takes no parameter '" + Ids.printable(name) + "'");
            }
            if (parameter.getValue() == null || !parameter.getValue().strip().equalsIgnoreCase("utf-8")) {
                return Optional.of("Content-Type's charset must be utf-8, was '"
                        + Ids.printable(String.valueOf(parameter.getValue())) + "'");
            }
        }
        return Optional.empty();
    }

    private static Optional<String> contentEncodingProblem(List<String> values) {
        for (String value : values) {
            if (!value.strip().equalsIgnoreCase("identity")) {
                return Optional.of("Content-Encoding '" + Ids.printable(value) + "' is not read here: send the body as it is");
            }
        }
        return Optional.empty();
    }

    private static JsonBody tooLarge(int maxBytes) {
        return new JsonBody.Refused(ErrorCode.BODY_TOO_LARGE.status(), ErrorBody.of(ErrorCode.BODY_TOO_LARGE,
                "the body is larger than " + maxBytes + " bytes").with("maxBytes", maxBytes));
    }

    /** The field error for a body Jackson could not read: the duplicated member, or {@code body}. */
    private static FieldError errorOf(JsonProcessingException e) {
        if (e instanceof JsonParseException parse && parse.getProcessor() != null) {
            JsonStreamContext context = parse.getProcessor().getParsingContext();
            String name = context == null ? null : context.getCurrentName();
            // Jackson's DupDetector reports exactly this, with the duplicate as the current name.
            if (name != null && ("Duplicate field '" + name + "'").equals(parse.getOriginalMessage())) {
                return new FieldError(path(context), "appears more than once; a member may appear only once");
            }
        }
        String where = e.getLocation() == null ? ""
                : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
        return new FieldError(FieldError.BODY, "is not one JSON value" + where + ": "
                + Ids.printable(String.valueOf(e.getOriginalMessage())));
    }

    /** The member a context is at, as {@code name}, {@code outer.inner} or {@code list[2].name}, made printable. */
    private static String path(JsonStreamContext context) {
        Deque<String> parts = new ArrayDeque<>();
        for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inObject()) {
                parts.push((c.getParent().inRoot() ? "" : ".") + Ids.printable(c.getCurrentName()));
            } else {
                parts.push("[" + c.getCurrentIndex() + "]");
            }
        }
        return String.join("", parts);
    }
}
