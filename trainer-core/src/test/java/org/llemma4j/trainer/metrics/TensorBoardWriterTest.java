package org.llemma4j.trainer.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llemma4j.parallel.device.MemoryStats;

/** Event files read back by an independent TFRecord and protobuf decoder. */
class TensorBoardWriterTest {

    @TempDir
    Path dir;

    /** A decoded Event: the fields the writer sets (NaN / -1 / null when absent). */
    record Event(double wallTime, long step, String fileVersion, Map<String, Float> scalars) {
    }

    @Test
    void writesFileVersionThenScalarsWithValidFramingAndChecksums() throws IOException {
        double before = System.currentTimeMillis() / 1000.0 - 1;
        Path file;
        try (TensorBoardWriter w = new TensorBoardWriter(dir)) {
            file = w.file();
            Map<String, Number> first = new LinkedHashMap<>();
            first.put("loss", 6.25);
            first.put("lr", 3e-4);
            w.scalars(1, first);
            w.scalars(300_000_000_000L, Map.of("val_loss", -0.5f));
        }
        assertTrue(file.getFileName().toString().startsWith("events.out.tfevents."), file.toString());
        List<Event> events = read(file);
        assertEquals(3, events.size());
        assertEquals("brain.Event:2", events.get(0).fileVersion());
        assertTrue(events.get(0).wallTime() >= before, "wall_time " + events.get(0).wallTime());
        assertEquals(1, events.get(1).step());
        assertEquals(List.of("loss", "lr"), new ArrayList<>(events.get(1).scalars().keySet()));
        assertEquals(6.25f, events.get(1).scalars().get("loss"));
        assertEquals(3e-4f, events.get(1).scalars().get("lr"));
        assertEquals(300_000_000_000L, events.get(2).step(), "multi-byte varint step");
        assertEquals(-0.5f, events.get(2).scalars().get("val_loss"));
    }

    @Test
    void maskedCrc32cMatchesKnownValues() {
        // CRC32C("123456789") = 0xE3069283 (the standard check value); masked: rotr15 + 0xa282ead8
        int crc = 0xE3069283;
        int masked = ((crc >>> 15) | (crc << 17)) + 0xa282ead8;
        assertEquals(masked, TensorBoardWriter.maskedCrc32c("123456789".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void corruptedDataFailsTheReadersChecksum() throws IOException {
        Path file;
        try (TensorBoardWriter w = new TensorBoardWriter(dir)) {
            file = w.file();
            w.scalars(7, Map.of("loss", 1.0));
        }
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 6] ^= 1;           // inside the last record's data
        Files.write(file, bytes);
        AssertionError e = assertThrows(AssertionError.class, () -> read(file));
        assertTrue(e.getMessage().contains("data checksum"), e.getMessage());
    }

    @Test
    void twoWritersInOneSecondGetTwoFiles() throws IOException {
        try (TensorBoardWriter a = new TensorBoardWriter(dir); TensorBoardWriter b = new TensorBoardWriter(dir)) {
            assertNotEquals(a.file(), b.file());
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(2, files.count());
        }
    }

    @Test
    void metricsLogWritesEachStepsNumbersAsScalars() throws IOException {
        try (MetricsLog log = new MetricsLog(dir)) {
            log.log(new StepMetrics(5, 2.5, 1e-4, 0.75, 1234.0, 617.0, 0.125, 0.5, 0.05,
                    new MemoryStats(MemoryStats.Source.PROCESS_RESIDENT, 100, 200, 100, 200), 60, 0));
            log.write(Map.of("step", 5, "val_loss", 3.0, "note", "text is not a scalar"));
            log.write(Map.of("event", "no step, so not in TensorBoard", "count", 1));
        }
        Path file;
        try (Stream<Path> files = Files.list(dir)) {
            file = files.filter(p -> p.getFileName().toString().startsWith(TensorBoardWriter.FILE_PREFIX))
                    .findFirst().orElseThrow();
        }
        List<Event> events = read(file);
        assertEquals(3, events.size(), "file version + two events with a step");
        Map<String, Float> step = events.get(1).scalars();
        assertEquals(5, events.get(1).step());
        assertEquals(List.of("loss", "lr", "grad_norm", "tokens_per_sec", "tokens_per_sec_per_rank", "mfu",
                "step_time_s", "comm_time_s", "rss_bytes", "peak_rss_bytes", "eta_s", "skipped_steps", "comm_fraction"),
                new ArrayList<>(step.keySet()));
        assertEquals(2.5f, step.get("loss"));
        assertEquals(0.125f, step.get("mfu"));
        assertEquals(0.5f, step.get("step_time_s"));
        assertEquals(Map.of("val_loss", 3.0f), events.get(2).scalars());
        assertTrue(Files.readString(dir.resolve("metrics.jsonl")).contains("\"val_loss\":3.0"));
    }

    @Test
    void discardedLogWritesNoFiles() throws IOException {
        try (MetricsLog log = MetricsLog.discard()) {
            log.log(new StepMetrics(1, 1, 1, 1, 1, 1, 1, 1, 0, MemoryStats.none(), 1, 0));
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(0, files.count());
        }
    }

    // ---- an independent reader: TFRecord framing, then the three protobuf messages ----

    static List<Event> read(Path file) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        List<Event> events = new ArrayList<>();
        while (in.hasRemaining()) {
            assertTrue(in.remaining() >= 12, "truncated record header at " + in.position());
            byte[] lengthBytes = new byte[8];
            in.get(lengthBytes);
            long length = ByteBuffer.wrap(lengthBytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
            int lengthCrc = in.getInt();
            if (lengthCrc != masked(lengthBytes)) {
                throw new AssertionError("length checksum mismatch at " + (in.position() - 12));
            }
            assertTrue(length >= 0 && length + 4 <= in.remaining(), "record length " + length);
            byte[] data = new byte[(int) length];
            in.get(data);
            int dataCrc = in.getInt();
            if (dataCrc != masked(data)) {
                throw new AssertionError("data checksum mismatch in record " + events.size());
            }
            events.add(parseEvent(data));
        }
        return events;
    }

    // the reader's own CRC32C (bitwise, reflected polynomial 0x82F63B78), independent of java.util.zip.CRC32C
    private static int masked(byte[] bytes) {
        int crc = 0xFFFFFFFF;
        for (byte b : bytes) {
            crc ^= b & 0xFF;
            for (int k = 0; k < 8; k++) {
                crc = (crc & 1) != 0 ? (crc >>> 1) ^ 0x82F63B78 : crc >>> 1;
            }
        }
        crc = ~crc;
        return ((crc >>> 15) | (crc << 17)) + 0xa282ead8;
    }

    private static Event parseEvent(byte[] data) {
        ByteBuffer in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        double wallTime = Double.NaN;
        long step = -1;
        String version = null;
        Map<String, Float> scalars = new LinkedHashMap<>();
        while (in.hasRemaining()) {
            long key = varint(in);
            int field = (int) (key >>> 3);
            int wire = (int) (key & 7);
            switch (field) {
                case 1 -> {
                    assertEquals(1, wire, "wall_time is fixed64");
                    wallTime = in.getDouble();
                }
                case 2 -> {
                    assertEquals(0, wire, "step is a varint");
                    step = varint(in);
                }
                case 3 -> version = new String(bytes(in, wire), StandardCharsets.UTF_8);
                case 5 -> parseSummary(bytes(in, wire), scalars);
                default -> throw new AssertionError("unexpected Event field " + field);
            }
        }
        return new Event(wallTime, step, version, scalars);
    }

    private static void parseSummary(byte[] data, Map<String, Float> scalars) {
        ByteBuffer in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        while (in.hasRemaining()) {
            long key = varint(in);
            assertEquals(1, key >>> 3, "Summary.value");
            ByteBuffer value = ByteBuffer.wrap(bytes(in, (int) (key & 7))).order(ByteOrder.LITTLE_ENDIAN);
            String tag = null;
            Float simple = null;
            while (value.hasRemaining()) {
                long k = varint(value);
                if (k >>> 3 == 1) {
                    tag = new String(bytes(value, (int) (k & 7)), StandardCharsets.UTF_8);
                } else {
                    assertEquals(2, k >>> 3, "Value.simple_value");
                    assertEquals(5, k & 7, "simple_value is fixed32");
                    simple = value.getFloat();
                }
            }
            scalars.put(tag, simple);
        }
    }

    private static byte[] bytes(ByteBuffer in, int wire) {
        assertEquals(2, wire, "length-delimited");
        byte[] out = new byte[(int) varint(in)];
        in.get(out);
        return out;
    }

    private static long varint(ByteBuffer in) {
        long v = 0;
        for (int shift = 0; ; shift += 7) {
            byte b = in.get();
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
    }

    @Test
    void readerRejectsACorruptedLength() throws IOException {
        Path file;
        try (TensorBoardWriter w = new TensorBoardWriter(dir)) {
            file = w.file();
        }
        byte[] bytes = Files.readAllBytes(file);
        bytes[0] ^= 1;
        Files.write(file, bytes);
        AssertionError e = assertThrows(AssertionError.class, () -> read(file));
        assertTrue(e.getMessage().contains("length checksum"), e.getMessage());
    }
}
