package io.herald.server.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code herald apply -f DIR}: campaigns, segments and topics as code. Reads JSON and YAML files and brings a
 * running Herald to what they say through its admin API (see {@link Apply}); {@code --dry-run} prints the plan.
 */
@Command(name = "apply", mixinStandardHelpOptions = true,
        description = "Create or update campaigns, segments and topics from JSON or YAML files, by key, through the "
                + "admin API. Applying the same files again changes nothing.")
final class ApplyCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    Connection connection;

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "DIR|FILE",
            description = "A directory (every .json, .yaml and .yml file under it) or one file.")
    Path path;

    @Option(names = "--dry-run", description = "Print what would be created, updated or left unchanged; change nothing.")
    boolean dryRun;

    /** Where Herald is and the admin key to call it with. */
    static final class Connection {
        @Option(names = "--url", defaultValue = "http://localhost:8080", description = "Herald's base URL (default: ${DEFAULT-VALUE}).")
        String url;

        @Option(names = "--key", description = "An admin key (default: the HERALD_ADMIN_KEY environment variable).")
        String key;

        /** The API client, or null after printing why there is none. */
        HeraldApi api(PrintWriter err) {
            String k = key != null ? key : Main.environment.get().get("HERALD_ADMIN_KEY");
            if (k == null || k.isBlank()) {
                err.println("herald: no admin key: pass --key or set HERALD_ADMIN_KEY");
                return null;
            }
            return new HeraldApi(url, k);
        }
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<ResourceFiles.Resource> resources;
        try {
            resources = ResourceFiles.read(path);
        } catch (ResourceFiles.Invalid e) {
            e.problems.forEach(err::println);
            err.flush();
            return 2;
        }
        HeraldApi api = connection.api(err);
        if (api == null) return 2;
        try {
            new Apply(api, out, dryRun).run(resources);
            return 0;
        } catch (Apply.Failed e) {
            err.println(e.getMessage());
            return e.exitCode;
        } catch (HeraldApi.Refused e) {
            err.println("herald: " + e.getMessage());
            return e.status / 100 == 4 ? 2 : 1;
        } catch (HeraldApi.Unreachable e) {
            err.println("herald: " + e.getMessage());
            return 1;
        } finally {
            err.flush();
        }
    }
}
