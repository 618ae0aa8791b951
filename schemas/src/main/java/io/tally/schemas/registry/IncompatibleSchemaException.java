package io.tally.schemas.registry;

/**
 * The registry refused to register a schema under a subject because it is not compatible with the
 * versions already registered there under the subject's compatibility level (HTTP 409, Confluent's
 * "Schema Registry API Reference", {@code POST /subjects/(string: subject)/versions}). Thrown by the
 * serializer before a record is framed, so nothing is produced with a schema the registry refused.
 * Not a transient failure: retrying does not help until the schema change is made compatible (or the
 * subject's compatibility level is changed on purpose); see DESIGN.md, "Schema registry contract".
 */
public final class IncompatibleSchemaException extends SchemaRegistryException {
    private static final long serialVersionUID = 1L;

    private final String subject;

    /**
     * @param subject the subject the schema was refused under, e.g. {@code ledger.balances-value}
     * @param message the whole explanation, including the registry's own
     */
    public IncompatibleSchemaException(String subject, String message) {
        super(message);
        this.subject = subject;
    }

    /** The subject the schema was refused under, e.g. {@code ledger.balances-value}. */
    public String subject() {
        return subject;
    }
}
