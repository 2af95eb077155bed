package org.llemma4j.trainer.metrics;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Scalars as a TensorBoard event file, {@code <run dir>/events.out.tfevents.<unix seconds>.<host>}, without a
 * protobuf or TensorFlow dependency.
 *
 * <p>The file is a sequence of TFRecords: {@code u64 length (little-endian), u32 masked CRC32C of those 8 bytes,
 * the data, u32 masked CRC32C of the data}, where masked(c) = ((c >>> 15) | (c << 17)) + 0xa282ead8. Each record's
 * data is one {@code tensorflow.Event} protobuf message. The first carries {@code file_version = "brain.Event:2"};
 * each later one a {@code step}, a {@code wall_time} and a {@code Summary} of {@code simple_value} scalars. Only
 * these fields are encoded:
 *
 * <pre>
 *   Event   { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
 *   Summary { repeated Value value = 1; }
 *   Value   { string tag = 1; float simple_value = 2; }
 * </pre>
 *
 * <p>Each record is flushed as it is written, so a crashed run keeps the curves up to its last step.
 */
public final class TensorBoardWriter implements AutoCloseable {

    public static final String FILE_PREFIX = "events.out.tfevents.";
    public static final String FILE_VERSION = "brain.Event:2";
    private static final int MASK_DELTA = 0xa282ead8;

    private final Path file;
    private final OutputStream out;

    /** Creates a new event file in {@code runDir} (never appends: TensorBoard reads every file of a directory). */
    public TensorBoardWriter(Path runDir) {
        try {
            Files.createDirectories(runDir);
            String base = FILE_PREFIX + System.currentTimeMillis() / 1000 + "." + hostName();
            Path candidate = runDir.resolve(base);
            for (int n = 1; Files.exists(candidate); n++) {
                candidate = runDir.resolve(base + "." + n);          // two writers within one second
            }
            this.file = candidate;
            this.out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            ByteArrayOutputStream event = new ByteArrayOutputStream();
            writeDouble(event, 1, System.currentTimeMillis() / 1000.0);
            writeBytes(event, 3, FILE_VERSION.getBytes(StandardCharsets.UTF_8));
            writeRecord(event.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a TensorBoard event file in " + runDir, e);
        }
    }

    public Path file() {
        return file;
    }

    /** One event at {@code step} holding a scalar per entry of {@code scalars} (tag -> value). */
    public void scalars(long step, Map<String, ? extends Number> scalars) {
        ByteArrayOutputStream summary = new ByteArrayOutputStream();
        for (Map.Entry<String, ? extends Number> e : scalars.entrySet()) {
            ByteArrayOutputStream value = new ByteArrayOutputStream();
            writeBytes(value, 1, e.getKey().getBytes(StandardCharsets.UTF_8));
            writeFloat(value, 2, e.getValue().floatValue());
            writeBytes(summary, 1, value.toByteArray());
        }
        ByteArrayOutputStream event = new ByteArrayOutputStream();
        writeDouble(event, 1, System.currentTimeMillis() / 1000.0);
        writeVarintField(event, 2, step);
        writeBytes(event, 5, summary.toByteArray());
        try {
            writeRecord(event.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write TensorBoard event file " + file, e);
        }
    }

    private void writeRecord(byte[] data) throws IOException {
        byte[] length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(data.length).array();
        out.write(length);
        out.write(le32(maskedCrc32c(length)));
        out.write(data);
        out.write(le32(maskedCrc32c(data)));
        out.flush();
    }

    /** The TFRecord checksum: CRC32C (Castagnoli), rotated right by 15 bits and offset by 0xa282ead8. */
    public static int maskedCrc32c(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        int c = (int) crc.getValue();
        return ((c >>> 15) | (c << 17)) + MASK_DELTA;
    }

    private static byte[] le32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    // protobuf wire format: key = field << 3 | wire type (0 varint, 1 fixed64, 2 length-delimited, 5 fixed32)
    private static void writeVarint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    private static void writeVarintField(ByteArrayOutputStream out, int field, long v) {
        writeVarint(out, (long) field << 3);
        writeVarint(out, v);
    }

    private static void writeDouble(ByteArrayOutputStream out, int field, double v) {
        writeVarint(out, (long) field << 3 | 1);
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(v).array());
    }

    private static void writeFloat(ByteArrayOutputStream out, int field, float v) {
        writeVarint(out, (long) field << 3 | 5);
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(v).array());
    }

    private static void writeBytes(ByteArrayOutputStream out, int field, byte[] bytes) {
        writeVarint(out, (long) field << 3 | 2);
        writeVarint(out, bytes.length);
        out.writeBytes(bytes);
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
