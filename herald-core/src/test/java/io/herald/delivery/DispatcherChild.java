package io.herald.delivery;

import io.herald.log.JdbcEventLog;
import io.herald.message.Renderer;
import io.herald.policy.Gate;
import io.herald.preference.Links;
import io.herald.store.Database;
import io.herald.store.DatabaseConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.InstantSource;

/**
 * A dispatcher in a process of its own, for crash tests: runs one {@code dispatchDue()} over the store named by its
 * arguments and, at the probe point named, prints {@code AT <point>} and waits to be killed.
 *
 * <p>Arguments: {@code sqlite <file> <point>} or {@code postgresql <url> <user> <password> <schema> <point>}.
 */
public final class DispatcherChild {
    private DispatcherChild() {
    }

    public static void main(String[] args) throws Exception {
        DatabaseConfig config;
        String point;
        if (args[0].equals("sqlite")) {
            config = DatabaseConfig.sqlite(Path.of(args[1]));
            point = args[2];
        } else {
            config = DatabaseConfig.postgresql(args[1], args[2], args[3]).withSchema(args[4]);
            point = args[5];
        }
        InstantSource clock = InstantSource.system();
        Database db = Database.open(config);
        JdbcEventLog log = JdbcEventLog.open(db, config, 1, 1024);
        WebhookChannel webhook = new WebhookChannel(new WebhookSecrets(db, clock), clock);
        Dispatcher.Probe probe = at -> {
            if (!at.equals(point)) return;
            System.out.println("AT " + at);
            System.out.flush();
            while (true) {
                try {
                    Thread.sleep(60_000); // waiting for the SIGKILL the test sends on reading the line above
                } catch (InterruptedException e) {
                    Runtime.getRuntime().halt(3);
                }
            }
        };
        Dispatcher d = new Dispatcher(db, log, Channels.of(webhook), new Gate(), new Renderer(),
                new Links("https://herald.example.com"), clock, new SimpleMeterRegistry(), DispatchOptions.defaults(), probe);
        int n = d.dispatchDue();
        System.out.println("DONE " + n);
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }
}
