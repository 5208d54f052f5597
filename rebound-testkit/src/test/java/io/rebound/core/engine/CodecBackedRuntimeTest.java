package io.rebound.core.engine;

import io.rebound.testkit.DifferentialScenario;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.stream.LongStream;
import java.util.stream.Stream;

/** The contract and part of the differential test with person state persisted only as codec bytes. */
class CodecBackedRuntimeTest extends AudienceRuntimeContract {

    @Override
    protected AudienceRuntime newRuntime() {
        return CodecBackedPersonTable.runtime();
    }

    @TestFactory
    Stream<DynamicTest> membershipsEqualTheReferenceWhenStateIsPersistedAsBytes() {
        DifferentialScenario scenario = new DifferentialScenario(CodecBackedPersonTable::runtime);
        return LongStream.range(500, 550).mapToObj(seed ->
                DynamicTest.dynamicTest("seed " + seed, () -> scenario.run(seed, false, true)));
    }
}
