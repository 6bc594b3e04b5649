package io.herald.person;

/** A push address of a person. */
public record Device(String id, String token, String platform, String provider, String appId, boolean pushEnabled,
                     long createdAt, long updatedAt) {
}
