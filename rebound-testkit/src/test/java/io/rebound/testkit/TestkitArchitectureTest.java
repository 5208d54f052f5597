package io.rebound.testkit;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The testkit drives a runtime through the core's interfaces only, so every runtime (in-memory,
 * embedded, Kafka Streams) can run it without bringing its own machinery along; it reads no clock,
 * so every scenario is reproducible from its seed.
 */
class TestkitArchitectureTest {

    private static final JavaClasses TESTKIT = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.rebound.testkit");

    @Test
    void testkitDependsOnlyOnTheJdkAndTheCore() {
        classes().should().onlyDependOnClassesThat()
                .resideInAnyPackage("java..", "io.rebound.core..", "io.rebound.testkit..")
                .check(TESTKIT);
    }

    @Test
    void testkitDoesNotReadTheClock() {
        noClasses().should().callMethod(System.class, "currentTimeMillis")
                .orShould().callMethod(System.class, "nanoTime")
                .orShould().callMethod(java.time.Instant.class, "now")
                .check(TESTKIT);
    }

    @Test
    void testkitPackagesFormNoCycle() {
        slices().matching("io.rebound.(**)").should().beFreeOfCycles().check(TESTKIT);
    }
}
