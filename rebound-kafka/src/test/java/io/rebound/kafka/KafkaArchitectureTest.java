package io.rebound.kafka;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The cluster runtime's packages form no cycle, and its product code never uses the testkit.
 *
 * <p>A package and its {@code internals} twin count as one slice: the public classes are built on
 * their machinery (the topology wires the processors) and the machinery speaks the public types
 * (keys, topics, serdes), as in Kafka Streams. Who may use the internals from outside is checked where
 * the outsiders live (rebound-server's and rebound-bench's architecture tests).
 */
class KafkaArchitectureTest {

    private static final JavaClasses KAFKA = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.rebound.kafka");

    /** Each package is a slice, except that {@code x.internals} belongs to {@code x}. */
    private static final SliceAssignment PACKAGES_WITH_THEIR_INTERNALS = new SliceAssignment() {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
            String name = javaClass.getPackageName();
            if (!name.startsWith("io.rebound.kafka")) {
                return SliceIdentifier.ignore();
            }
            return SliceIdentifier.of(name.endsWith(".internals") ? name.substring(0, name.length() - ".internals".length()) : name);
        }

        @Override
        public String getDescription() {
            return "packages, each with its internals twin";
        }
    };

    @Test
    void kafkaPackagesFormNoCycle() {
        slices().assignedFrom(PACKAGES_WITH_THEIR_INTERNALS).should().beFreeOfCycles().check(KAFKA);
    }

    @Test
    void productCodeNeverUsesTheTestkit() {
        noClasses().should().dependOnClassesThat().resideInAPackage("io.rebound.testkit..").check(KAFKA);
    }
}
