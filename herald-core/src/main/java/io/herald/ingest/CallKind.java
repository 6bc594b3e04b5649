package io.herald.ingest;

/** The tracking API's endpoints, by what their body holds. */
public enum CallKind {
    IDENTIFY, TRACK, PAGE, SCREEN, GROUP, ALIAS,
    /** {@code /v1/batch} and {@code /v1/import}: {@code {"batch": [calls…]}}. */
    BATCH,
    DEVICE_REGISTER, DEVICE_REMOVE;

    /** The body limit of this endpoint, in bytes. */
    public int maxBodyBytes() {
        return this == BATCH ? Limits.MAX_BATCH_BYTES : Limits.MAX_CALL_BYTES;
    }
}
