package io.tally.platform.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tally.core.Ids;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The members of a JSON object body that remembers which members an endpoint read, so that every
 * member it did not read is an error ({@link #unknownFieldErrors}): a field the endpoint does not
 * know is refused, never ignored. The check is against what the endpoint's code reads, not a list kept
 * beside it, so the two cannot drift apart; an endpoint must therefore read all its fields whatever
 * their values (read first, judge after).
 *
 * <p>Not thread-safe: one instance per HTTP request.
 */
public final class JsonFields {
    private final ObjectNode object;
    private final Set<String> read = new HashSet<>();

    /** @param object a parsed body (no duplicate members: {@link StrictJson} refuses those) */
    public JsonFields(ObjectNode object) {
        this.object = object;
    }

    /** The member {@code field}, or {@code null} when it is absent (JSON {@code null} is a {@code NullNode}); marks it read. */
    public JsonNode get(String field) {
        read.add(field);
        return object.get(field);
    }

    /** The members present and never passed to {@link #get}, in the order of the body. */
    public List<String> unread() {
        List<String> unread = new ArrayList<>();
        for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!read.contains(name)) {
                unread.add(name);
            }
        }
        return unread;
    }

    /** One error per {@linkplain #unread unread} member, named by the member (made printable). */
    public List<FieldError> unknownFieldErrors() {
        return unread().stream()
                .map(name -> new FieldError(Ids.printable(name), "is not a field of this request"))
                .toList();
    }
}
