package io.rebound.core;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The domain core depends on nothing but the JDK and itself, does no I/O, reads no clock, and its
 * packages form no cycle. (The testkit and the in-memory runtime live in rebound-testkit, which core
 * cannot see: Maven's module graph keeps product code off them.)
 */
class CoreArchitectureTest {

    private static final JavaClasses CORE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.rebound.core");

    @Test
    void coreDependsOnlyOnTheJdkAndItself() {
        classes().should().onlyDependOnClassesThat()
                .resideInAnyPackage("java..", "io.rebound.core..")
                .check(CORE);
    }

    @Test
    void coreDoesNoIo() {
        // Files, sockets, streams and SQL belong to the adapters; the core gets bytes and values.
        noClasses().should().dependOnClassesThat()
                .resideInAnyPackage("java.io..", "java.net..", "java.nio.file..", "java.sql..")
                .check(CORE);
    }

    @Test
    void coreDoesNotReadTheClock() {
        noClasses().should().callMethod(System.class, "currentTimeMillis")
                .orShould().callMethod(System.class, "nanoTime")
                .orShould().callMethod(java.time.Instant.class, "now")
                .check(CORE);
    }

    @Test
    void corePackagesFormNoCycle() {
        slices().matching("io.rebound.(**)").should().beFreeOfCycles().check(CORE);
    }
}
