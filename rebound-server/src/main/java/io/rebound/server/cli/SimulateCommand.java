package io.rebound.server.cli;

import io.rebound.server.demo.DemoCatalog;
import io.rebound.server.demo.TrafficSimulator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;

/**
 * {@code rebound simulate}: sends simulated shopper journeys for the demo catalog to a running
 * Rebound server through the Segment batch API — a backdated history, then optionally live
 * traffic. Exit code 0 when every batch got a 2xx, 1 otherwise.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = "Send simulated shopper journeys (browse, add to cart, abandon, return, buy) to a Rebound server.")
public final class SimulateCommand implements Callable<Integer> {

    @Option(names = "--url", defaultValue = "http://localhost:8080", description = "Rebound base URL (default: ${DEFAULT-VALUE})")
    URI url;

    @Option(names = "--write-key", required = true, description = "The store's public write key (wk_...)")
    String writeKey;

    @Option(names = "--visitors", defaultValue = "1000", description = "Visitors in the backdated history (default: ${DEFAULT-VALUE})")
    int visitors;

    @Option(names = "--days", defaultValue = "30", description = "Spread the history over the last N days (default: ${DEFAULT-VALUE})")
    int days;

    @Option(names = "--live-seconds", defaultValue = "0", description = "Then send live traffic for N seconds (default: ${DEFAULT-VALUE})")
    int liveSeconds;

    @Option(names = "--rate", defaultValue = "0.5", description = "Live visitors per second (default: ${DEFAULT-VALUE})")
    double rate;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed; the same seed re-sends the same message ids (default: ${DEFAULT-VALUE})")
    long seed;

    private final PrintStream out;

    public SimulateCommand() {
        this(System.out);
    }

    SimulateCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() {
        TrafficSimulator simulator = new TrafficSimulator(url, writeKey, DemoCatalog.yogaShop(), seed);
        int failed = 0;
        if (visitors > 0) {
            out.printf("Sending %d visitors over the last %d days to %s ...%n", visitors, days, url);
            TrafficSimulator.Summary history = simulator.runHistory(Instant.now(), days, visitors);
            out.println("History: " + history);
            failed += history.failedBatches();
        }
        if (liveSeconds > 0) {
            out.printf("Sending live traffic (%.2f visitors/s) for %d s ...%n", rate, liveSeconds);
            TrafficSimulator.Summary live = simulator.runLive(Duration.ofSeconds(liveSeconds), rate);
            out.println("Live: " + live);
            failed += live.failedBatches();
        }
        return failed == 0 ? 0 : 1;
    }
}
