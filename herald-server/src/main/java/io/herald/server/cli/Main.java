package io.herald.server.cli;

import io.herald.error.ClientError;
import io.herald.server.Config;
import io.herald.server.Herald;
import io.herald.store.Database;
import io.herald.store.StoreException;
import io.herald.workspace.KeyKind;
import io.herald.workspace.Workspaces;
import java.time.InstantSource;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The {@code herald} command line: {@code serve} (the default), workspaces, keys, segments, campaigns as code, and simulations. */
@Command(name = "herald", mixinStandardHelpOptions = true, version = "Herald 0.1.0",
        description = "Self-hosted, behavior-triggered in-app messages and push notifications.",
        subcommands = {Main.Serve.class, Main.WorkspaceCmd.class, Main.KeyCmd.class, SegmentsCommand.class, ApplyCommand.class,
                ExportCommand.class, Simulate.class, DemoCommand.class})
public final class Main implements Callable<Integer> {

    public static void main(String[] args) {
        // Choose the log format before the first logger is created.
        if ("json".equals(System.getenv("HERALD_LOG_FORMAT"))) {
            System.setProperty("logback.configurationFile", "logback-json.xml");
        }
        System.exit(run(args, new java.io.PrintWriter(System.out, true), new java.io.PrintWriter(System.err, true)));
    }

    @Override
    public Integer call() {
        return new CommandLine(new Serve()).execute();
    }

    private static int onError(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        if (e instanceof AdminClient.Failure f) {
            cmd.getErr().println("herald: " + f.getMessage());
            return f.exitCode();
        }
        if (e instanceof ClientError c) { // a mistake in the files given, as the API would name it
            boolean named = c.field() == null || c.getMessage().contains(c.field());
            cmd.getErr().println("herald: " + c.getMessage() + (named ? "" : " [" + c.field() + "]"));
            return 2;
        }
        if (e instanceof Config.Invalid || e instanceof IllegalArgumentException || e instanceof StoreException
                || e instanceof io.herald.credential.MasterKey.Unusable) {
            cmd.getErr().println("herald: " + e.getMessage());
            return 2;
        }
        cmd.getErr().println("herald: unexpected failure: " + e);
        e.printStackTrace(cmd.getErr());
        return 1;
    }

    /** Where settings come from; tests of the commands point it at a map of their own. */
    static java.util.function.Supplier<java.util.Map<String, String>> environment = System::getenv;

    /** Standard input, for {@code --condition -}; tests give their own. */
    static java.util.function.Supplier<java.io.InputStream> stdin = () -> System.in;

    /** Whether standard output is a terminal (progress redrawn in place) or a pipe or log (a line per change). */
    static java.util.function.BooleanSupplier terminal = Main::stdoutIsTerminal;

    private static boolean stdoutIsTerminal() {
        java.io.Console console = System.console();
        if (console == null) return false;
        try {
            // From Java 22, System.console() exists even when output is redirected; isTerminal() tells which.
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true; // Java 21: there is a console only on a terminal
        }
    }

    static Config config() {
        return Config.fromEnvironment(environment.get());
    }

    /** Runs the command line without exiting the JVM; returns the exit code. */
    static int run(String[] args, java.io.PrintWriter out, java.io.PrintWriter err) {
        CommandLine cmd = new CommandLine(new Main()).setExecutionExceptionHandler(Main::onError);
        cmd.setOut(out);
        cmd.setErr(err);
        return cmd.execute(args.length == 0 ? new String[] {"serve"} : args);
    }

    @Command(name = "serve", description = "Run Herald: the HTTP APIs, the person processors and the timers.")
    static final class Serve implements Callable<Integer> {
        @Override
        public Integer call() throws InterruptedException {
            Config config = config();
            Herald herald = Herald.start(config, InstantSource.system(), true);
            herald.bootstrapped().ifPresent(created -> {
                System.out.println("""
                        Created workspace 'default'. Keep these; they are shown only this once:
                          write key        %s
                          admin key        %s
                          identity secret  %s
                        """.formatted(created.writeKey(), created.adminKey(), created.identitySecret()));
                System.out.flush();
            });
            System.out.println("Herald is listening on port " + herald.port());
            System.out.flush();
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                herald.close(); // graceful: stop HTTP, flush the log, drain the processors
                stopped.countDown();
            }, "herald-shutdown"));
            stopped.await();
            return 0;
        }
    }

    @Command(name = "workspace", description = "Manage workspaces.", subcommands = {WorkspaceCreate.class})
    static final class WorkspaceCmd {
    }

    @Command(name = "create", description = "Create a workspace and print its write key, admin key and identity secret.")
    static final class WorkspaceCreate implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "NAME", description = "Workspace name: a-z, 0-9, '-' and '_'.")
        String name;

        @Override
        public Integer call() {
            try (Database db = Database.open(config().database())) {
                Workspaces.Created c = new Workspaces(db, InstantSource.system()).create(name);
                spec.commandLine().getOut().printf("workspace %s%nwrite key        %s%nadmin key        %s%n"
                        + "identity secret  %s%n", c.workspace().name(), c.writeKey(), c.adminKey(), c.identitySecret());
                spec.commandLine().getOut().flush();
            }
            return 0;
        }
    }

    @Command(name = "key", description = "Manage keys.", subcommands = {KeyCreate.class})
    static final class KeyCmd {
    }

    @Command(name = "create", description = "Create a key for a workspace and print it (shown only this once).")
    static final class KeyCreate implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--workspace", required = true, description = "The workspace's name.")
        String workspace;

        @Option(names = "--kind", required = true, description = "admin or write.")
        String kind;

        @Override
        public Integer call() {
            KeyKind k = KeyKind.parse(kind);
            try (Database db = Database.open(config().database())) {
                spec.commandLine().getOut().println(new Workspaces(db, InstantSource.system()).createKey(workspace, k));
                spec.commandLine().getOut().flush();
            }
            return 0;
        }
    }
}
