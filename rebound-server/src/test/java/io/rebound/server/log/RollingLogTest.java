package io.rebound.server.log;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RollingLogTest {
    @TempDir
    Path dir;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> readAll(RollingLog log) {
        List<String> out = new ArrayList<>();
        long pos = log.start();
        while (true) {
            List<LogRecord> recs = log.read(pos, 100, 1 << 20);
            if (recs.isEmpty()) {
                return out;
            }
            for (LogRecord r : recs) {
                out.add(new String(r.payload(), StandardCharsets.UTF_8));
                pos = r.nextPosition();
            }
        }
    }

    @Test
    void appendedRecordsReadBackInOrderAfterReopen() {
        try (RollingLog log = new RollingLog(dir, false, 1 << 20)) {
            log.append(List.of(b("a"), b("b"))).join();
            log.append(List.of(b("c"))).join();
            assertThat(readAll(log)).containsExactly("a", "b", "c");
        }
        try (RollingLog log = new RollingLog(dir, false, 1 << 20)) {
            assertThat(readAll(log)).containsExactly("a", "b", "c");
            log.append(List.of(b("d"))).join();
            assertThat(readAll(log)).containsExactly("a", "b", "c", "d");
        }
    }

    @Test
    void concurrentAppendsAreAllDurableAndWhole() {
        try (RollingLog log = new RollingLog(dir, true, 1 << 20)) {
            List<CompletableFuture<Long>> futures = IntStream.range(0, 2_000).parallel()
                    .mapToObj(i -> log.append(List.of(b("r" + i)))).toList();
            futures.forEach(CompletableFuture::join);
            assertThat(readAll(log)).hasSize(2_000).doesNotHaveDuplicates();
        }
    }

    @Test
    void tornTailIsTruncatedOnOpen() throws Exception {
        long goodEnd;
        try (RollingLog log = new RollingLog(dir, false, 1 << 20)) {
            goodEnd = log.append(List.of(b("kept-1"), b("kept-2"))).join();
        }
        Path logFile;
        try (var files = Files.list(dir)) {
            logFile = files.filter(p -> p.toString().endsWith(".log")).findFirst().orElseThrow();
        }
        // A crash mid-write: a header promising 100 bytes followed by only 3.
        try (FileChannel ch = FileChannel.open(logFile, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ch.write(ByteBuffer.allocate(11).putInt(100).putInt(12345).put(new byte[]{1, 2, 3}).flip());
        }
        try (RollingLog log = new RollingLog(dir, false, 1 << 20)) {
            assertThat(log.end()).isEqualTo(goodEnd);
            assertThat(readAll(log)).containsExactly("kept-1", "kept-2");
            log.append(List.of(b("after"))).join();
            assertThat(readAll(log)).containsExactly("kept-1", "kept-2", "after");
        }
    }

    @Test
    void corruptRecordEndsTheValidPrefix() throws Exception {
        try (RollingLog log = new RollingLog(dir, false, 1 << 20)) {
            log.append(List.of(b("one"), b("two"))).join();
        }
        Path logFile;
        try (var files = Files.list(dir)) {
            logFile = files.filter(p -> p.toString().endsWith(".log")).findFirst().orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(logFile);
        bytes[bytes.length - 1] ^= 0x55; // flip bits in the last payload byte: CRC no longer matches
        Files.write(logFile, bytes);
        try (RollingLog log = new RollingLog(dir, false, 1 << 20)) {
            assertThat(readAll(log)).containsExactly("one");
        }
    }

    @Test
    void rollsFilesAndDeletesConsumedOnes() {
        try (RollingLog log = new RollingLog(dir, false, 64)) {
            long end = 0;
            for (int i = 0; i < 20; i++) {
                end = log.append(List.of(b("record-" + i + "-padding-padding"))).join();
            }
            assertThat(readAll(log)).hasSize(20);
            assertThat(log.deleteBefore(end)).isPositive();
            assertThat(log.start()).isPositive();
            List<String> rest = readAll(log);
            assertThat(rest).isNotEmpty().endsWith("record-19-padding-padding");
        }
        try (RollingLog log = new RollingLog(dir, false, 64)) {
            assertThat(readAll(log)).endsWith("record-19-padding-padding");
        }
    }

    @Test
    void oversizedRecordIsRefusedWithoutWritingAnything() {
        try (RollingLog log = new RollingLog(dir, false, 1 << 20)) {
            var f = log.append(List.of(new byte[RollingLog.MAX_RECORD + 1]));
            assertThat(f).isCompletedExceptionally();
            assertThat(log.end()).isZero();
        }
    }

    @Test
    void aWriteThatFailsOnAFullDiskLeavesNoTornRecordAndLaterRecordsSurviveReopen() throws Exception {
        Path volume = dir.resolve("volume");
        try (SmallVolume disk = SmallVolume.mount(volume, 1)) {
            Path logFile = volume.resolve(String.format("%020d.log", 0));
            try (RollingLog log = new RollingLog(volume, false, 1 << 20)) {
                long goodEnd = log.append(List.of(b("kept-1"), b("kept-2"))).join();
                disk.fill();
                // Larger than a page: the kernel writes what fits in the file's last page, then ENOSPC.
                byte[] big = new byte[3 * 4096];
                var failed = log.append(List.of(big));
                assertThat(failed).isCompletedExceptionally();
                assertThat(log.end()).isEqualTo(goodEnd);
                assertThat(Files.size(logFile)).as("torn record cut back to the last good end").isEqualTo(goodEnd);
                assertThat(log.append(List.of(big))).as("still full").isCompletedExceptionally();

                disk.free();
                log.append(List.of(b("after-1"))).join();
                log.append(List.of(b("after-2"))).join();
                assertThat(readAll(log)).containsExactly("kept-1", "kept-2", "after-1", "after-2");
            }
            try (RollingLog log = new RollingLog(volume, false, 1 << 20)) {
                assertThat(readAll(log)).containsExactly("kept-1", "kept-2", "after-1", "after-2");
            }
        }
    }

    @Test
    void readChecksEachRecordsCrcInsteadOfTrustingItsLength() throws Exception {
        try (RollingLog log = new RollingLog(dir, false, 1 << 20)) {
            log.append(List.of(b("one"), b("two"), b("three"))).join();
            Path logFile;
            try (var files = Files.list(dir)) {
                logFile = files.filter(p -> p.toString().endsWith(".log")).findFirst().orElseThrow();
            }
            long two = 8 + 3;
            // Bit rot in the middle record's payload, under a log that is open.
            try (FileChannel ch = FileChannel.open(logFile, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(new byte[]{'T'}), two + 8);
            }
            assertThat(log.read(0, 100, 1 << 20)).extracting(r -> new String(r.payload(), StandardCharsets.UTF_8))
                    .containsExactly("one");
            assertThatThrownBy(() -> log.read(two, 100, 1 << 20)).hasMessageContaining("CRC")
                    .hasMessageContaining("position " + two);
        }
    }
}
