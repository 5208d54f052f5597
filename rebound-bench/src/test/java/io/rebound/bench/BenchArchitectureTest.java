package io.rebound.bench;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * Benchmarks measure the product through the same doors its users have: not through the cluster
 * runtime's internals, and not through the testkit.
 */
class BenchArchitectureTest {

    private static final JavaClasses BENCH = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.rebound.bench");

    @Test
    void benchPackagesFormNoCycle() {
        slices().matching("io.rebound.(**)").should().beFreeOfCycles().check(BENCH);
    }

    @Test
    void benchmarksDoNotReachIntoTheClusterRuntimesInternals() {
        noClasses().should().dependOnClassesThat().resideInAPackage("io.rebound.kafka.internals..").check(BENCH);
    }

    @Test
    void benchmarksDoNotUseTheTestkit() {
        noClasses().should().dependOnClassesThat().resideInAPackage("io.rebound.testkit..").check(BENCH);
    }
}
