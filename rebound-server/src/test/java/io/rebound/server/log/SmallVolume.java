package io.rebound.server.log;

import org.junit.jupiter.api.Assumptions;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A tmpfs of a few megabytes mounted for one test, so that a disk fills up for real: the kernel
 * answers a write that does not fit with a short write and then ENOSPC, exactly as on a full
 * production disk. Mounting needs root (CAP_SYS_ADMIN); where that is not permitted the test is
 * skipped with a message saying so. {@link #fill} writes a filler file the log does not know about
 * until nothing more fits; {@link #free} deletes it.
 */
public final class SmallVolume implements AutoCloseable {
    private final Path dir;
    private final Path filler;

    private SmallVolume(Path dir) {
        this.dir = dir;
        this.filler = dir.resolve("filler.bin");
    }

    /** Mounts a tmpfs of {@code megabytes} at {@code dir} (created if missing), or skips the calling test. */
    public static SmallVolume mount(Path dir, int megabytes) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Result r = run("mount", "-t", "tmpfs", "-o", "size=" + megabytes + "m", "tmpfs", dir.toString());
        Assumptions.assumeTrue(r.code() == 0, () -> "skipped: this test fills a real disk and needs to mount a "
                + megabytes + " MB tmpfs at " + dir + " (run it as root, as CI does); mount said: " + r.output());
        return new SmallVolume(dir);
    }

    public Path dir() {
        return dir;
    }

    /** Writes the filler until the volume has no byte left, smaller and smaller chunks as it gets close. */
    public void fill() {
        try (FileOutputStream out = new FileOutputStream(filler.toFile(), true)) {
            for (int chunk : List.of(1 << 16, 1 << 12, 1)) {
                byte[] bytes = new byte[chunk];
                try {
                    while (true) {
                        out.write(bytes);
                    }
                } catch (IOException full) {
                    // this chunk size no longer fits; try a smaller one
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes the filler: the space returns. */
    public void free() {
        try {
            Files.deleteIfExists(filler);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        Result r = run("umount", dir.toString());
        if (r.code() != 0) {
            // Something still holds a file open: detach now, the kernel frees it when the last one closes.
            run("umount", "-l", dir.toString());
        }
    }

    private record Result(int code, String output) {
    }

    private static Result run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, command[0] + " timed out");
            }
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            return new Result(-1, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }
}
