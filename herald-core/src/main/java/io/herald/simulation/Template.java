package io.herald.simulation;

import io.herald.store.Database;
import io.herald.store.DatabaseConfig;
import io.herald.store.Engine;
import io.herald.store.StoreException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * An empty scratch store, migrated by Flyway once, that each simulation starts from as a copy. Migrating two SQLite
 * files from nothing took most of a short simulation's time; copying them takes a millisecond or two (opening the
 * copy still runs Flyway, which finds nothing to do).
 */
final class Template implements AutoCloseable {
    static final String FILE = "simulation.db";

    private final Path root;
    private Path dir; // guarded by this

    Template(Path root) {
        this.root = root;
    }

    /** Fills {@code target} (an empty directory) with a copy of the migrated store. */
    void copyInto(Path target) {
        try {
            copy(dir(), target);
        } catch (NoSuchFileException gone) { // a temp cleaner took it: make it again
            synchronized (this) {
                dir = null;
            }
            try {
                copy(dir(), target);
            } catch (IOException e) {
                throw new StoreException("cannot copy the simulation's store template into " + target, e);
            }
        } catch (IOException e) {
            throw new StoreException("cannot copy the simulation's store template into " + target, e);
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(from)) {
            files = s.toList();
        }
        if (files.isEmpty()) throw new NoSuchFileException(from.toString());
        for (Path f : files) Files.copy(f, to.resolve(f.getFileName()));
    }

    private synchronized Path dir() throws IOException {
        if (dir != null && Files.isDirectory(dir)) return dir;
        Files.createDirectories(root);
        Path made = Files.createTempDirectory(root, "herald-simulation-template-");
        DatabaseConfig config = new DatabaseConfig(Engine.SQLITE, made.resolve(FILE), null, null, null, null, 1);
        // Closing checkpoints each file's write-ahead log into it: what is left is the two database files.
        Database.open(config).close();
        Database.openSqliteLog(config).close();
        dir = made;
        return dir;
    }

    @Override
    public synchronized void close() {
        if (dir != null) Scratch.delete(dir);
        dir = null;
    }
}
