package io.herald.bench;

import java.util.Arrays;

/**
 * Entry point of {@code herald-bench.jar}: the end-to-end load test, the footprint measurement, the computation
 * of a new segment over a large population, and the JMH micro-benchmarks.
 *
 * <pre>
 * java -jar herald-bench/target/herald-bench.jar load --engine sqlite|postgresql [--seconds 20] [--clients 8]
 *      [--batch 100] [--rate 10000[,2000…]] [--people 100000] [--warmup 15] [--partitions N] [--skip-baselines] [--ingest-only] [--keep]
 *      [--segments N] [--settle 120] [--traits random|stable] [--vocabulary workload|wide] [--skip-max]
 * java -jar herald-bench/target/herald-bench.jar footprint --engine sqlite [--people 100000] [--events 1000000]
 *      [--threads 4]
 * java -jar herald-bench/target/herald-bench.jar segment-compute --engine sqlite [--people 1000000]
 *      [--events 10000000] [--rate 2000] [--warmup 20] [--times 2] [--within P30D] [--data DIR]
 * java -jar herald-bench/target/herald-bench.jar jmh [JMH options, e.g. IngestBenchmark -f 1 -wi 3 -i 5]
 * java -jar herald-bench/target/herald-bench.jar timers --engine sqlite [--people 1000000] [--rate 10000]
 * java -jar herald-bench/target/herald-bench.jar broadcast --engine sqlite [--people 1000000] [--per-second 5000]
 *      [--live 2000]
 * java -jar herald-bench/target/herald-bench.jar delivery --engine sqlite [--deliveries 200000] [--people 20000]
 *      [--batch 500]
 * java -jar herald-bench/target/herald-bench.jar apns --engine sqlite [--deliveries 100000] [--people 20000]
 *      [--batch 500] [--warmup 20000]
 * java -jar herald-bench/target/herald-bench.jar fcm --engine sqlite [--deliveries 100000] [--people 20000]
 *      [--batch 500] [--warmup 20000]
 * </pre>
 *
 * PostgreSQL runs take {@code --pg-url} (default {@code jdbc:postgresql://127.0.0.1:5432/herald_test}),
 * {@code --pg-user} and {@code --pg-password} (default herald/herald) and use a fresh schema that is dropped
 * afterwards; SQLite runs use a fresh temporary directory ({@code --tmp} to choose where), deleted afterwards unless
 * {@code --keep}. Figures go to standard output as a Markdown table; progress goes to standard error.
 */
public final class BenchMain {
    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("help")) {
            usage();
            return;
        }
        try {
            switch (args[0]) {
                case "load" -> LoadGenerator.run(Options.parse(args, 1, LoadGenerator.FLAGS, LoadGenerator.OPTIONS));
                case "footprint" -> Footprint.run(Options.parse(args, 1, Footprint.FLAGS, Footprint.OPTIONS));
                case "segment-compute" -> SegmentCompute.run(Options.parse(args, 1, SegmentCompute.FLAGS,
                        SegmentCompute.OPTIONS));
                case "timers" -> TimersBench.run(Options.parse(args, 1, TimersBench.FLAGS, TimersBench.OPTIONS));
                case "broadcast" -> BroadcastBench.run(Options.parse(args, 1, BroadcastBench.FLAGS, BroadcastBench.OPTIONS));
                case "delivery" -> DeliveryBench.run(Options.parse(args, 1, DeliveryBench.FLAGS, DeliveryBench.OPTIONS));
                case "apns" -> ApnsBench.run(Options.parse(args, 1, ApnsBench.FLAGS, ApnsBench.OPTIONS));
                case "fcm" -> FcmBench.run(Options.parse(args, 1, FcmBench.FLAGS, FcmBench.OPTIONS));
                case "inapp" -> InAppBench.run(Options.parse(args, 1, InAppBench.FLAGS, InAppBench.OPTIONS));
                // the inapp command's client, run by it as a child process (not listed in the usage)
                case "inapp-client" -> InAppClient.run(Options.parse(args, 1, InAppClient.FLAGS, InAppClient.OPTIONS));
                case "jmh" -> org.openjdk.jmh.Main.main(Arrays.copyOfRange(args, 1, args.length));
                default -> throw new IllegalArgumentException("unknown command '" + args[0] + "'");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("herald-bench: " + e.getMessage());
            usage();
            System.exit(2);
        }
        System.exit(0); // Herald's and the HTTP client's non-daemon threads must not keep a finished run alive
    }

    private static void usage() {
        System.err.println("""
                usage: herald-bench load --engine sqlite|postgresql [--seconds 20] [--clients 8] [--batch 100]
                                         [--rate 10000[,2000…]] [--people 100000] [--warmup 15] [--partitions N]
                                         [--skip-baselines] [--ingest-only] [--keep] [--tmp DIR]
                                         [--segments N] [--settle SECONDS] [--traits random|stable]
                                         [--vocabulary workload|wide] [--skip-max]
                                         [--pg-url URL] [--pg-user U] [--pg-password P]
                       herald-bench footprint --engine sqlite|postgresql [--people 100000] [--events 1000000]
                                         [--threads 4] [--batch 100] [--partitions N] [--keep] [--tmp DIR]
                       herald-bench segment-compute --engine sqlite|postgresql [--people 1000000]
                                         [--events 10000000] [--rate 2000] [--warmup 20] [--times 2]
                                         [--within P30D] [--data DIR] [--keep] [--tmp DIR]
                       herald-bench timers --engine sqlite|postgresql [--people 1000000] [--rate 10000] [--lead S]
                                         [--baseline 20000] [--partitions N] [--timeout 1800] [--unbounded-timers]
                                         [--keep] [--tmp DIR]
                       herald-bench broadcast --engine sqlite|postgresql [--people 1000000] [--per-second 5000]
                                         [--live 2000] [--batch 20] [--live-people 100000] [--seconds 30]
                                         [--warmup 15] [--lead S] [--timeout 1800] [--unbounded-timers]
                                         [--keep] [--tmp DIR]
                       herald-bench delivery --engine sqlite|postgresql [--deliveries 200000] [--people 20000]
                                         [--batch 500] [--keep] [--tmp DIR]
                       herald-bench apns --engine sqlite|postgresql [--deliveries 100000] [--people 20000]
                                         [--batch 500] [--warmup 20000] [--keep] [--tmp DIR]
                       herald-bench fcm --engine sqlite|postgresql [--deliveries 100000] [--people 20000]
                                         [--batch 500] [--warmup 20000] [--keep] [--tmp DIR]
                       herald-bench inapp --engine sqlite|postgresql [--connections 10000] [--rate 1000]
                                         [--seconds 15] [--list-seconds 10] [--clients 8] [--pool 32] [--warmup 5]
                                         [--client-heap 1g] [--partitions 1] [--keep] [--tmp DIR]
                       herald-bench jmh [JMH options]   (e.g. jmh IngestBenchmark -f 1 -wi 3 -i 5)""");
    }
}
