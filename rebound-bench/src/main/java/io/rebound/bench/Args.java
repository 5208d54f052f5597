package io.rebound.bench;

/** A load driver's optional positional arguments: each one, when given, replaces its default. */
final class Args {
    private Args() {
    }

    /** {@code args[index]} as an int, or {@code fallback} when fewer arguments were given. */
    static int intArg(String[] args, int index, int fallback) {
        return args.length > index ? Integer.parseInt(args[index]) : fallback;
    }

    /** {@code args[index]} as a long, or {@code fallback} when fewer arguments were given. */
    static long longArg(String[] args, int index, long fallback) {
        return args.length > index ? Long.parseLong(args[index]) : fallback;
    }
}
