package io.rebound.server.cli;

import io.rebound.server.meta.Database;

import java.nio.file.Path;

/** A second process holding a data directory's metadata database open, as {@code rebound serve} does, until stdin closes. */
public final class HoldMetadataDatabase {
    private HoldMetadataDatabase() {
    }

    public static void main(String[] args) throws Exception {
        try (Database db = Database.embedded(Path.of(args[0]))) {
            System.out.println("open " + db.jdbcUrl());
            System.out.flush();
            while (System.in.read() >= 0) {
                // hold until the parent closes our stdin
            }
        }
    }
}
