package io.rebound.server.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The data directory holds every event, the metadata database (password hashes, key hashes) and
 * the demo's keys in plain files, so only the server's own user may enter it: it is created, or
 * reset, to mode 0700 at start. On a file system without POSIX permissions nothing is changed.
 */
public final class DataDirectory {
    private DataDirectory() {
    }

    public static void secure(Path dir) {
        try {
            Files.createDirectories(dir);
            PosixFileAttributeView view = Files.getFileAttributeView(dir, PosixFileAttributeView.class);
            if (view != null) {
                view.setPermissions(PosixFilePermissions.fromString("rwx------"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create or protect the data directory " + dir.toAbsolutePath()
                    + " (it must be writable by the server and is set to mode 0700)", e);
        }
    }
}
