package io.rebound.server.meta;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MemoryOnlyTest {
    @Test
    void aBlockingReadInsideRunGivesUpBeforeItRunsAndOutsideRunGoesAhead() {
        AtomicInteger reads = new AtomicInteger();
        Runnable read = () -> {
            MemoryOnly.check();
            reads.incrementAndGet();
        };
        assertThatThrownBy(() -> MemoryOnly.run(() -> {
            read.run();
            return null;
        })).isInstanceOf(MemoryOnly.Miss.class);
        assertThat(reads).hasValue(0);
        read.run(); // the retry where blocking is allowed
        assertThat(reads).hasValue(1);
        assertThat(MemoryOnly.run(() -> "from memory")).isEqualTo("from memory");
        read.run();
        assertThat(reads).hasValue(2);
    }

    @Test
    void aMissOnOneThreadLeavesOtherThreadsAlone() throws Exception {
        AtomicInteger reads = new AtomicInteger();
        Thread other = Thread.ofPlatform().unstarted(() -> {
            MemoryOnly.check();
            reads.incrementAndGet();
        });
        MemoryOnly.run(() -> {
            other.start();
            try {
                other.join();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return null;
        });
        assertThat(reads).hasValue(1);
    }
}
