package io.rebound.core;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** The domain core depends on nothing but the JDK and itself. (The testkit lives in rebound-testkit, which core cannot see.) */
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
    void coreDoesNotReadTheClock() {
        noClasses().should().callMethod(System.class, "currentTimeMillis")
                .orShould().callMethod(System.class, "nanoTime")
                .orShould().callMethod(java.time.Instant.class, "now")
                .check(CORE);
    }
}
