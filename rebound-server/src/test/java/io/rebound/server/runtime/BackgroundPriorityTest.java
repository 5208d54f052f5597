package io.rebound.server.runtime;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BackgroundPriorityTest {
    @AfterEach
    void reset() {
        BackgroundPriority.configure(0);
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void aBackgroundThreadRunsAtTheConfiguredNiceValueAndOthersDoNot() throws Exception {
        BackgroundPriority.configure(7);
        AtomicInteger lowered = new AtomicInteger(-1);
        Thread t = Thread.ofPlatform().start(() -> {
            BackgroundPriority.lowerCurrentThread();
            lowered.set(niceOfCurrentThread());
        });
        t.join();
        assertThat(lowered.get()).isEqualTo(7);
        assertThat(niceOfCurrentThread()).isZero();
    }

    @Test
    void niceValuesOutsideTheLinuxRangeAreRefused() {
        assertThatThrownBy(() -> BackgroundPriority.configure(20)).hasMessageContaining("0..19");
        assertThatThrownBy(() -> BackgroundPriority.configure(-1)).hasMessageContaining("0..19");
    }

    /** Field 19 of /proc/thread-self/stat; the command name (field 2) may hold spaces, so count from its ')'. */
    static int niceOfCurrentThread() {
        try {
            String stat = Files.readString(Path.of("/proc/thread-self/stat"));
            String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Integer.parseInt(rest[16]);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
