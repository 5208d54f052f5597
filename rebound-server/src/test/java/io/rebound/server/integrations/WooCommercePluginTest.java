package io.rebound.server.integrations;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs the WooCommerce plugin's PHP tests (integrations/woocommerce/tests/run.php) with Debian's
 * php-cli: the plugin loaded over stubs of the WordPress and WooCommerce functions it calls, its hooks
 * fired with WooCommerce's documented arguments. Skipped, saying so, only when php is not installed
 * ({@code ./rebound test} and {@code .ci/run} install php-cli).
 */
public class WooCommercePluginTest {
    private static final Path PHP = Path.of("/usr/bin/php");

    @Test
    void thePluginsPhpTestsPass() throws Exception {
        assumeTrue(Files.isExecutable(PHP), "php-cli is not installed (/usr/bin/php): the WooCommerce plugin's "
                + "tests are skipped; install it with apt-get install php-cli");
        Path tests = repositoryRoot().resolve("integrations/woocommerce/tests/run.php");
        assertThat(tests).exists();
        Process php = new ProcessBuilder(PHP.toString(), "-d", "display_errors=stderr", "-d", "error_reporting=-1",
                tests.toString()).redirectErrorStream(true).start();
        String output = new String(php.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(php.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(php.exitValue()).as(output).isZero();
        assertThat(output).as("no PHP notices or deprecations").doesNotContain("Deprecated:").doesNotContain("Warning:")
                .doesNotContain("Notice:");
        assertThat(output.strip()).as(output).endsWith("ok 12");
    }

    @Test
    void everyPhpFileOfThePluginParses() throws Exception {
        assumeTrue(Files.isExecutable(PHP), "php-cli is not installed (/usr/bin/php): skipped");
        try (var files = Files.walk(repositoryRoot().resolve("integrations/woocommerce"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".php")).toList()) {
                Process lint = new ProcessBuilder(PHP.toString(), "-l", f.toString()).redirectErrorStream(true).start();
                String output = new String(lint.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(lint.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(lint.exitValue()).as(output).isZero();
            }
        }
    }

    /** The repository's root: the build runs tests in the module's directory. */
    public static Path repositoryRoot() throws IOException {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("integrations"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IOException("no integrations/ directory above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }
}
