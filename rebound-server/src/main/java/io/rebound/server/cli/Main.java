package io.rebound.server.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code rebound} binary. */
@Command(name = "rebound", mixinStandardHelpOptions = true, version = "Rebound 0.1.0",
        description = "Self-hosted retargeting for ecommerce stores: pixel, collector, audiences.",
        subcommands = {ServeCommand.class, DemoCommand.class, StoresCommand.class, SegmentsCommand.class, SimulateCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        int code = new CommandLine(new Main()).execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
