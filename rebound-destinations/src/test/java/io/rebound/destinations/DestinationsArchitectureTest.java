package io.rebound.destinations;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import java.util.List;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** Each platform stands alone behind the shared interface, and the shared machinery knows no platform. */
class DestinationsArchitectureTest {

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.rebound.destinations");
    private static final List<String> PLATFORMS = List.of("meta", "google", "tiktok", "pinterest");

    @Test
    void noPlatformPackageDependsOnAnother() {
        for (String p : PLATFORMS) {
            String[] others = PLATFORMS.stream().filter(o -> !o.equals(p)).map(o -> "io.rebound.destinations." + o + "..")
                    .toArray(String[]::new);
            noClasses().that().resideInAPackage("io.rebound.destinations." + p + "..")
                    .should().dependOnClassesThat().resideInAnyPackage(others).check(MAIN);
        }
    }

    @Test
    void theSharedPackagesKnowNoPlatform() {
        String[] platforms = PLATFORMS.stream().map(o -> "io.rebound.destinations." + o + "..").toArray(String[]::new);
        noClasses().that().resideInAnyPackage("io.rebound.destinations", "io.rebound.destinations.internal..",
                        "io.rebound.destinations.delivery..")
                .should().dependOnClassesThat().resideInAnyPackage(platforms).check(MAIN);
    }

    @Test
    void onlyTheGooglePackageUsesGoogleAuthLibrary() {
        noClasses().that().resideOutsideOfPackage("io.rebound.destinations.google..")
                .should().dependOnClassesThat().resideInAPackage("com.google..").check(MAIN);
    }
}
