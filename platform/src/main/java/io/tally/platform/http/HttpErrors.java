package io.tally.platform.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.HttpStatus;
import io.javalin.router.EndpointNotFound;
import io.tally.core.Ids;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.ErrorHandler;

/**
 * Answers errors in the one shape ({@link ErrorBody}) and makes Javalin and Jetty answer theirs in it
 * too: {@link #configure} installs the handlers, so that a caller never has to parse two kinds of
 * error body.
 *
 * <p>Thread-safe: stateless; the handlers it installs are too.
 */
public final class HttpErrors {
    private static final ObjectMapper JSON = new ObjectMapper();

    private HttpErrors() {}

    /**
     * Installs on a Javalin configuration the answers the HTTP layer gives itself, each in the one
     * shape:
     * <ul>
     *   <li>Javalin's {@link HttpResponseException}s: an unknown route (404 {@code NOT_FOUND}), a known
     *       route with another method (405 {@code METHOD_NOT_ALLOWED}, with {@code Allow}; turns on
     *       {@code prefer405over404}), a {@code Content-Length} past {@code maxRequestSize} (413
     *       {@code BODY_TOO_LARGE}), and any other status ({@link ErrorCode}, else the status's name);</li>
     *   <li>what Jetty answers before Javalin sees the request (a request line or header it cannot
     *       parse: 400; a URI or headers too long: 414, 431), and any error page it writes.</li>
     * </ul>
     */
    public static void configure(JavalinConfig config) {
        config.http.prefer405over404 = true;
        config.router.mount(router -> router.exception(HttpResponseException.class, (e, ctx) -> {
            String message = Ids.printable(String.valueOf(e.getMessage()));
            String allowed = e.getDetails().get("availableMethods");
            if (e instanceof EndpointNotFound) {
                message = "there is no endpoint " + ctx.method() + " " + Ids.printable(ctx.path());
            } else if (e.getStatus() == ErrorCode.METHOD_NOT_ALLOWED.status() && allowed != null) {
                ctx.header("Allow", allowed);
                message = Ids.printable(ctx.path()) + " does not take " + ctx.method() + ", only " + allowed;
            }
            answer(ctx, e.getStatus(), bodyOf(e.getStatus(), message));
        }));
        config.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler()));
        config.jetty.modifyServletContextHandler(context -> context.setErrorHandler(new JsonErrorHandler()));
    }

    /** Answers {@code status} with {@code body} as JSON. */
    public static void answer(Context ctx, int status, ErrorBody body) {
        ctx.status(status).json(body.toJson());
    }

    /** Answers {@code code}'s status with {@code message} and no field errors. */
    public static void answer(Context ctx, ErrorCode code, String message) {
        answer(ctx, code.status(), ErrorBody.of(code, message));
    }

    /** Answers 400 {@code INVALID_REQUEST} naming {@code fields} ({@link ErrorBody#invalid}). */
    public static void invalid(Context ctx, List<FieldError> fields) {
        answer(ctx, ErrorCode.INVALID_REQUEST.status(), ErrorBody.invalid(fields));
    }

    /** The body for an error the HTTP layer answers with {@code status}: its {@link ErrorCode}, else Javalin's name of the status. */
    static ErrorBody bodyOf(int status, String message) {
        String code = ErrorCode.forStatus(status).map(Enum::name).orElseGet(() -> HttpStatus.forStatus(status).name());
        return ErrorBody.of(code, message);
    }

    private static byte[] bytes(ErrorBody body) {
        try {
            return JSON.writeValueAsBytes(body.toJson());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an error body of strings is always JSON", e);
        }
    }

    /** Jetty's error answers in the one shape: for requests it refused to parse, and for error pages. */
    private static final class JsonErrorHandler extends ErrorHandler {
        @Override
        public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
            fields.put(HttpHeader.CONTENT_TYPE, "application/json");
            return ByteBuffer.wrap(bytes(bodyOf(status, "the request could not be read: "
                    + Ids.printable(reason == null ? HttpStatus.forStatus(status).getMessage() : reason))));
        }

        @Override
        protected void generateAcceptableResponse(Request baseRequest, HttpServletRequest request,
                HttpServletResponse response, int code, String message) throws IOException {
            byte[] body = bytes(bodyOf(code, Ids.printable(message == null ? HttpStatus.forStatus(code).getMessage() : message)));
            response.setContentType("application/json");
            response.setContentLength(body.length);
            response.getOutputStream().write(body);
            baseRequest.setHandled(true);
        }
    }
}
