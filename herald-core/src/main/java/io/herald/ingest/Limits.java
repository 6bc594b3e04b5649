package io.herald.ingest;

/** Size limits of the tracking API (API.md "Limits"). */
public final class Limits {
    /** A single call's JSON, in bytes. */
    public static final int MAX_CALL_BYTES = 32 * 1024;
    /** A batch request's body, in bytes. */
    public static final int MAX_BATCH_BYTES = 500 * 1024;
    public static final int MAX_EVENT_NAME = 200;
    /** Attributes a person may have, and traits one call may carry. */
    public static final int MAX_ATTRIBUTES = 500;
    public static final int MAX_ID_LENGTH = 255;
    public static final int MAX_TOKEN_LENGTH = 8 * 1024;

    private Limits() {
    }
}
