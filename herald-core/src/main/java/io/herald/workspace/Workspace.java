package io.herald.workspace;

/** A tenant: its people, data, keys and settings. Nothing crosses workspaces. */
public record Workspace(String id, String name, long createdAt) {
}
