package io.herald.server.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A directory for a test class whose Heralds live across all its cases (bad-input corpora). Made and removed by the
 * class rather than by {@code @TempDir}: JUnit removed a field {@code @TempDir} after the first case while a store
 * still wrote there, failing the run.
 */
public final class ClassDirectory {
    private ClassDirectory() {
    }

    public static Path create(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes the directory and everything in it; call once the Heralds using it are closed. */
    public static void delete(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
