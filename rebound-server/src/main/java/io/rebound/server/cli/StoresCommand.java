package io.rebound.server.cli;

import io.rebound.core.store.Store;
import io.rebound.server.api.StoreApi;
import io.rebound.server.meta.Database;
import io.rebound.server.meta.InvalidFieldException;
import io.rebound.server.meta.JdbcStoreRepository;
import io.rebound.server.meta.StoreNotFoundException;
import io.rebound.server.meta.StoreRepository;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code rebound stores}: create and list stores and rotate their secret keys, directly in the
 * metadata database ({@code --data-dir} for the embedded one, {@code --database-url} or
 * {@code REBOUND_DATABASE_URL} for PostgreSQL). The embedded database can be opened by one process
 * at a time (the server no longer runs an H2 TCP server, which listened on every interface): while
 * {@code rebound serve} runs on the data directory, this command says so and points to the
 * store API ({@code POST /api/v1/stores} with the admin token), which does the same over HTTP.
 * PostgreSQL has no such limit. Exit codes: 0 done, 1 failed (unknown store, database unavailable
 * or in use), 2 bad usage.
 */
@Command(name = "stores", mixinStandardHelpOptions = true,
        description = "Create and list stores and manage their keys.",
        subcommands = {StoresCommand.Create.class, StoresCommand.ListStores.class, StoresCommand.RotateSecret.class})
public final class StoresCommand extends CommandGroup {

    /** Where the metadata lives; shared by every subcommand. */
    static final class DatabaseOptions {
        @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "${env:REBOUND_DATA_DIR:-./data}",
                description = "Embedded storage directory (default: ${DEFAULT-VALUE}; env REBOUND_DATA_DIR).")
        Path dataDir;

        @Option(names = "--database-url", paramLabel = "JDBC_URL", defaultValue = "${env:REBOUND_DATABASE_URL}",
                description = "PostgreSQL JDBC URL instead of the embedded database (env REBOUND_DATABASE_URL).")
        String databaseUrl;

        @Option(names = "--database-user", paramLabel = "USER", defaultValue = "${env:REBOUND_DATABASE_USER}",
                description = "Database user (env REBOUND_DATABASE_USER).")
        String databaseUser;

        @Option(names = "--database-password", paramLabel = "PASSWORD", defaultValue = "${env:REBOUND_DATABASE_PASSWORD}",
                description = "Database password (env REBOUND_DATABASE_PASSWORD).")
        String databasePassword;

        Database open() {
            return databaseUrl == null || databaseUrl.isBlank()
                    ? Database.embedded(dataDir)
                    : Database.open(databaseUrl, databaseUser, databasePassword);
        }
    }

    /** A subcommand on the store repository: opens the database, runs, maps failures to a message and an exit code. */
    abstract static class StoresAction implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        DatabaseOptions db;

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            try (Database database = db.open()) {
                PrintWriter out = spec.commandLine().getOut();
                run(new JdbcStoreRepository(database), out);
                out.flush();
                return 0;
            } catch (InvalidFieldException e) {
                return error(err, e.getMessage(), 2);
            } catch (StoreNotFoundException e) {
                return error(err, e.getMessage(), 1);
            } catch (Database.InUseException e) {
                err.println("error: " + e.getMessage() + ".");
                err.println("A running server keeps its embedded database to itself. Either stop it and run this "
                        + "command again, or use its HTTP API with the admin token (admin-token setting), e.g.:");
                err.println("  curl -X POST http://localhost:8080/api/v1/stores -H \"Authorization: Bearer $ADMIN_TOKEN\" "
                        + "-H 'Content-Type: application/json' -d '{\"name\": \"My shop\"}'");
                err.println("  (GET /api/v1/stores lists them; POST /api/v1/stores/{id}/rotate-secret-key rotates a "
                        + "secret key — docs/api.md)");
                return 1;
            } catch (RuntimeException e) {
                return error(err, describe(e), 1);
            } finally {
                err.flush();
            }
        }

        abstract void run(StoreRepository stores, PrintWriter out);
    }

    private static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder(String.valueOf(e.getMessage()));
        for (Throwable cause = e.getCause(); cause != null && cause != e; cause = cause.getCause()) {
            sb.append(": ").append(cause.getMessage());
            if (cause.getCause() == cause) {
                break;
            }
        }
        return sb.toString();
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a store and print its id, write key and secret key (shown only now).")
    static final class Create extends StoresAction {
        @Option(names = "--name", required = true, description = "Display name, 1..100 characters.")
        String name;

        @Option(names = "--consent-required",
                description = "Keep nothing identifying unless the visitor has consented.")
        boolean consentRequired;

        @Option(names = "--json", description = "Print JSON instead of text.")
        boolean json;

        @Override
        void run(StoreRepository stores, PrintWriter out) {
            StoreRepository.Created created = stores.create(name, consentRequired);
            Store s = created.store();
            if (json) {
                out.println(StoreApi.toJson(s).put("secret_key", created.secretKey()).encodePrettily());
            } else {
                out.println("Created store \"" + s.name() + "\"");
                out.println("  store id:          " + s.id());
                out.println("  write key:         " + s.writeKey() + "   (public: goes in the pixel snippet)");
                out.println("  secret key:        " + created.secretKey()
                        + "   (shown only now: keep it server-side)");
                out.println("  consent required:  " + s.consentRequired());
                out.println("  retention days:    " + s.retentionDays());
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List stores with their write keys.")
    static final class ListStores extends StoresAction {
        @Option(names = "--json", description = "Print JSON instead of a table.")
        boolean json;

        @Override
        void run(StoreRepository stores, PrintWriter out) {
            List<Store> all = stores.list();
            if (json) {
                JsonArray array = new JsonArray();
                all.forEach(s -> array.add(StoreApi.toJson(s)));
                out.println(new JsonObject().put("stores", array).encodePrettily());
            } else if (all.isEmpty()) {
                out.println("No stores yet. Create one with: rebound stores create --name \"My shop\"");
            } else {
                String format = "%-19s  %-27s  %-8s  %-9s  %-20s  %s%n";
                out.printf(format, "ID", "WRITE KEY", "CONSENT", "RETENTION", "CREATED", "NAME");
                for (Store s : all) {
                    out.printf(format, s.id(), s.writeKey(), s.consentRequired() ? "required" : "-",
                            s.retentionDays() + "d", s.createdAt().truncatedTo(ChronoUnit.SECONDS), s.name());
                }
            }
        }
    }

    @Command(name = "rotate-secret", mixinStandardHelpOptions = true,
            description = "Replace a store's secret key; the old one stops working at once.")
    static final class RotateSecret extends StoresAction {
        @Option(names = "--store", required = true, paramLabel = "STORE_ID", description = "The store's id (st_...).")
        String storeId;

        @Option(names = "--json", description = "Print JSON instead of text.")
        boolean json;

        @Override
        void run(StoreRepository stores, PrintWriter out) {
            String secretKey = stores.rotateSecretKey(storeId);
            if (json) {
                out.println(new JsonObject().put("id", storeId).put("secret_key", secretKey).encodePrettily());
            } else {
                out.println("New secret key for " + storeId + " (the old one no longer works):");
                out.println("  secret key:  " + secretKey);
            }
        }
    }

    /** Runs {@code rebound stores ...} on its own (Main normally registers this command). */
    public static void main(String[] args) {
        System.exit(new CommandLine(new StoresCommand()).execute(args));
    }
}
