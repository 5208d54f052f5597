package io.rebound.server;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.properties.HasName.Predicates.nameMatching;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The server's packages form no cycle (one known one excepted, below), and its product code uses
 * neither the cluster runtime's internals nor the testkit. Test code is not checked here: the
 * cluster tests drive the topology through {@code io.rebound.kafka.internals} on purpose.
 */
class ServerArchitectureTest {

    private static final JavaClasses SERVER = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.rebound.server");

    @Test
    void serverPackagesFormNoCycle() {
        slices().matching("io.rebound.(**)").should().beFreeOfCycles()
                // Known cycle, the root package <-> meta / cluster: the root is the composition root
                // (ReboundServer wires meta, cluster, http, ...) but also holds the settings that
                // meta.Database, cluster.ClusterServer, cluster.ClusterConfig and wiring.ServerRoutes read. Moving ServerConfig
                // and DataDirectory into a leaf package (e.g. io.rebound.server.config) removes it; then
                // delete this exception. Any other package reading them from the root still fails.
                .ignoreDependency(resideInAnyPackage("io.rebound.server.meta", "io.rebound.server.cluster",
                                "io.rebound.server.wiring"),
                        nameMatching("io\\.rebound\\.server\\.(ServerConfig|DataDirectory)(\\$.*)?"))
                .check(SERVER);
    }

    @Test
    void productCodeDoesNotReachIntoTheClusterRuntimesInternals() {
        noClasses().should().dependOnClassesThat().resideInAPackage("io.rebound.kafka.internals..").check(SERVER);
    }

    @Test
    void productCodeNeverUsesTheTestkit() {
        noClasses().should().dependOnClassesThat().resideInAPackage("io.rebound.testkit..").check(SERVER);
    }
}
