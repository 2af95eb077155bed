package org.llemma4j.checkpoint.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file past 2 GB (sparse, so the test writes a few bytes only): the reader maps it in windows and reads a slice
 * at the far end without touching the rest.
 */
class LargeFileTest {

    @TempDir
    Path dir;

    @Test
    void aSliceBeyondTwoGigabytesReadsExactly() throws Exception {
        long rows = 600_000;                       // 600,000 x 1024 bytes = 614 MB per tensor, 4 tensors = 2.46 GB
        long cols = 1024;
        StringBuilder header = new StringBuilder("{");
        for (int i = 0; i < 4; i++) {
            long b = i * rows * cols;
            header.append(i == 0 ? "" : ",").append("\"t").append(i).append("\":{\"dtype\":\"U8\",\"shape\":[")
                    .append(rows).append(",").append(cols).append("],\"data_offsets\":[").append(b).append(",")
                    .append(b + rows * cols).append("]}");
        }
        byte[] h = header.append("}").toString().getBytes(StandardCharsets.UTF_8);
        Path file = dir.resolve("big.safetensors");
        long dataStart = 8 + h.length;
        long total = dataStart + 4 * rows * cols;
        byte[] marker = new byte[2 * (int) cols];
        for (int i = 0; i < marker.length; i++) {
            marker[i] = (byte) (i * 31 + 7);
        }
        long lastRows = 3 * rows * cols + (rows - 2) * cols;   // the last two rows of t3
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(total);
            raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
            raf.write(h);
            raf.seek(dataStart + lastRows);
            raf.write(marker);
        }
        try (SafetensorsFile f = SafetensorsFile.open(file); PointerScope scope = new PointerScope()) {
            Tensor tail = f.readSlice("t3", 0, rows - 2, 2);
            byte[] got = new byte[marker.length];
            tail.data_ptr_byte().get(got);
            assertArrayEquals(marker, got);
            Tensor column = f.readSlice("t3", 1, 5, 1);       // one byte per row across 614 MB
            assertEquals(rows, column.numel());
            assertEquals(marker[5], column.data_ptr_byte().get(rows - 2));
            assertEquals(marker[(int) cols + 5], column.data_ptr_byte().get(rows - 1));
            assertEquals(0, column.data_ptr_byte().get(0));
        }
    }
}
