package io.tally.schemas.registry;

import org.apache.kafka.common.KafkaException;

/**
 * The schema registry could not be reached or refused a request. A transport failure, not bad
 * input: it is deliberately not a {@link org.apache.kafka.common.errors.SerializationException}, so a
 * reader does not dead-letter good records while the registry is down but stops and retries.
 */
public class SchemaRegistryException extends KafkaException {
    private static final long serialVersionUID = 1L;

    /** @param message what was attempted and what the registry said */
    public SchemaRegistryException(String message) {
        super(message);
    }

    /** @param message what was attempted and what went wrong */
    public SchemaRegistryException(String message, Throwable cause) {
        super(message, cause);
    }
}
