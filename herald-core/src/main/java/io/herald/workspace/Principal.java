package io.herald.workspace;

/** Who a request acts as: a workspace, through a key of one kind. */
public record Principal(String workspaceId, KeyKind kind, String keyId) {
}
