package io.rebound.server;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The server's packages form no cycle, and its product code uses
 * neither the cluster runtime's internals nor the testkit. Test code is not checked here: the
 * cluster tests drive the topology through {@code io.rebound.kafka.internals} on purpose.
 */
class ServerArchitectureTest {

    private static final JavaClasses SERVER = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.rebound.server");

    @Test
    void serverPackagesFormNoCycle() {
        // The root package is the composition root (ReboundServer wires everything); the settings it
        // reads live in io.rebound.server.config, which the packages it wires may read in turn.
        slices().matching("io.rebound.(**)").should().beFreeOfCycles().check(SERVER);
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
