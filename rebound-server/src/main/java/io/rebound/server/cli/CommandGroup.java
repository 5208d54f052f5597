package io.rebound.server.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** A command that only groups its subcommands ({@code rebound stores}, {@code rebound segments}): alone, it prints its usage and exits 2. */
abstract class CommandGroup implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }

    /** Prints {@code error: message} for the user and returns {@code exitCode} (1 failed, 2 bad usage). */
    static int error(PrintWriter err, String message, int exitCode) {
        err.println("error: " + message);
        return exitCode;
    }
}
