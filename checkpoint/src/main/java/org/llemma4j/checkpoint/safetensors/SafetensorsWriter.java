package org.llemma4j.checkpoint.safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.zip.CRC32C;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.llemma4j.checkpoint.io.Durable;

/**
 * Writes one safetensors file tensor by tensor, never holding more than the tensor being written.
 *
 * <p>The whole layout is fixed when the writer is created, from the declared names, dtypes and shapes: the
 * header goes out first and each tensor is then written at its final offset, in any order. Wider dtypes come
 * first (a stable sort), so every tensor's data is aligned to its element size when the file is mapped.
 *
 * <p>The file is written under a temporary name next to the target; {@link #finish()} checks that every tensor
 * was written, fsyncs and renames it into place. Closing an unfinished writer (an exception part-way, a full
 * disk) deletes the temporary file, so the target is either absent, the old file, or complete.
 */
public final class SafetensorsWriter implements AutoCloseable {

    /** Bytes per write call: large enough for throughput, small enough to bound the view objects. */
    private static final long CHUNK = 64L << 20;

    /**
     * Bytes of a tensor that is not a contiguous CPU tensor copied to the host at a time: a device shard (or a
     * strided view) never needs a host copy of its whole size.
     */
    static final long DEFAULT_PIECE_BYTES = 64L << 20;

    private final long pieceBytes;
    private long piecesCopied;     // host pieces staged so far, for the test that checks the piece path ran

    private final Path target;
    private final Path tmp;
    private final FileChannel channel;
    private final Map<String, TensorInfo> layout;
    private final TreeSet<String> pending;
    private final long dataStart;
    private boolean finished;
    // CRC-32C of the file's bytes from offset 0 to crcEnd, kept while writes arrive in file order (the usual
    // case), so the checksum costs no second read of the file.
    private final CRC32C crc = new CRC32C();
    private long crcEnd;
    private boolean inOrder = true;

    private SafetensorsWriter(Path target, Path tmp, FileChannel channel, Map<String, TensorInfo> layout,
                              long dataStart, long pieceBytes) {
        this.target = target;
        this.pieceBytes = pieceBytes;
        this.tmp = tmp;
        this.channel = channel;
        this.layout = layout;
        this.pending = new TreeSet<>(layout.keySet());
        this.dataStart = dataStart;
    }

    /** A writer for {@code specs}; {@code metadata} gains {@code "format": "pt"} unless it names a format. */
    public static SafetensorsWriter create(Path target, List<TensorSpec> specs, Map<String, String> metadata)
            throws IOException {
        return create(target, specs, metadata, ChannelOpener.DEFAULT);
    }

    public static SafetensorsWriter create(Path target, List<TensorSpec> specs, Map<String, String> metadata,
                                           ChannelOpener opener) throws IOException {
        return create(target, specs, metadata, opener, DEFAULT_PIECE_BYTES);
    }

    /** With host pieces of at most {@code pieceBytes} (at least one element): tests make them small. */
    static SafetensorsWriter create(Path target, List<TensorSpec> specs, Map<String, String> metadata,
                                    ChannelOpener opener, long pieceBytes) throws IOException {
        if (pieceBytes < 1) {
            throw new IllegalArgumentException("host piece of " + pieceBytes + " bytes must be >= 1");
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.putAll(metadata);
        List<TensorSpec> ordered = new ArrayList<>(specs);
        ordered.sort(Comparator.comparingInt((TensorSpec s) -> -s.dtype().bytes()));
        Map<String, TensorInfo> layout = new LinkedHashMap<>();
        for (TensorInfo t : SafetensorsHeader.layout(ordered)) {
            if (layout.put(t.name(), t) != null) {
                throw new IllegalArgumentException(target + ": tensor " + t.name() + " is declared twice");
            }
        }
        byte[] header = SafetensorsHeader.serialize(new ArrayList<>(layout.values()), meta);
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp-" + Durable.nonce());
        ByteBuffer head = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(header.length).put(header).flip();
        FileChannel ch = opener.create(tmp);
        try {
            writeFully(ch, head.duplicate(), 0);
        } catch (IOException | RuntimeException e) {
            ch.close();
            Files.deleteIfExists(tmp);
            throw new SafetensorsException(target, "cannot write the header: " + e.getMessage(), e);
        }
        SafetensorsWriter w = new SafetensorsWriter(target, tmp, ch, layout, 8L + header.length, pieceBytes);
        w.checksum(head, 0);
        return w;
    }

    /** Folds bytes about to be written at {@code position} into the running checksum, if they are next in order. */
    private void checksum(ByteBuffer bytes, long position) {
        if (inOrder && position == crcEnd) {
            crcEnd += bytes.remaining();
            crc.update(bytes.duplicate());
        } else if (bytes.hasRemaining()) {
            inOrder = false;
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long p = position;
        while (buf.hasRemaining()) {
            p += ch.write(buf, p);
        }
    }

    public Path target() {
        return target;
    }

    private TensorInfo claim(String name) throws SafetensorsException {
        TensorInfo info = layout.get(name);
        if (info == null) {
            throw new SafetensorsException(target, "tensor " + name + " was not declared when the file was created");
        }
        if (!pending.contains(name)) {
            throw new SafetensorsException(target, "tensor " + name + " was already written");
        }
        if (finished) {
            throw new SafetensorsException(target, "tensor " + name + ": the file is already finished");
        }
        return info;
    }

    /**
     * Writes a libtorch tensor, which must have the declared dtype and shape. A contiguous CPU tensor is written
     * from its own memory. Any other (a device shard, a strided view) is flattened on its own device and copied to
     * the host a piece of at most {@link #DEFAULT_PIECE_BYTES} at a time through one staging buffer, so the host
     * holds one piece of it, never a second copy of the whole (a non-contiguous tensor is made contiguous where it
     * lives first: a copy on its device, or for a strided CPU view a copy of that one tensor).
     */
    public void write(String name, Tensor tensor) throws IOException {
        TensorInfo info = claim(name);
        SafetensorsDtype dtype;
        try {
            dtype = SafetensorsDtype.of(tensor.scalar_type());
        } catch (IllegalArgumentException e) {
            throw new SafetensorsException(target, "tensor " + name + ": " + e.getMessage());
        }
        long[] shape = new long[(int) tensor.dim()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = tensor.size(i);
        }
        if (dtype != info.dtype() || !Arrays.equals(shape, info.shape())) {
            throw new SafetensorsException(target, "tensor " + name + " was declared " + info.dtype()
                    + Arrays.toString(info.shape()) + " but is " + dtype + Arrays.toString(shape));
        }
        // The scope frees the staging buffer, the flattened view and the pointer views before returning.
        try (PointerScope scope = new PointerScope()) {
            if (info.byteSize() == 0) {
                pending.remove(name);
                return;
            }
            if (tensor.is_cpu() && tensor.is_contiguous()) {
                writeHost(info, tensor, 0, info.byteSize());
            } else {
                writePieces(info, tensor, dtype);
            }
        }
        pending.remove(name);
    }

    private void writePieces(TensorInfo info, Tensor tensor, SafetensorsDtype dtype) throws IOException {
        Tensor flat = tensor.reshape(-1);
        long elements = flat.numel();
        long perPiece = Math.max(1, pieceBytes / dtype.bytes());
        Tensor staging = torch.empty(new long[] {Math.min(perPiece, elements)},
                new TensorOptions(new Device("cpu")).dtype(new ScalarTypeOptional(dtype.torchType())),
                new MemoryFormatOptional());
        for (long done = 0; done < elements; done += perPiece) {
            long n = Math.min(perPiece, elements - done);
            try (PointerScope piece = new PointerScope()) {
                Tensor host = staging.narrow(0, 0, n);
                host.copy_(flat.narrow(0, done, n));         // device to host: returns once the bytes are here
                writeHost(info, host, done * dtype.bytes(), n * dtype.bytes());
            }
            piecesCopied++;
        }
    }

    /** Writes {@code bytes} bytes of the contiguous CPU tensor {@code host} at byte {@code at} of the tensor's data. */
    private void writeHost(TensorInfo info, Tensor host, long at, long bytes) throws IOException {
        BytePointer data = new BytePointer(host.data_ptr());
        for (long done = 0; done < bytes; ) {
            long len = Math.min(CHUNK, bytes - done);
            data.position(done).limit(done + len);
            ByteBuffer chunk = data.asByteBuffer();
            long position = dataStart + info.begin() + at + done;
            checksum(chunk, position);
            writeFully(channel, chunk, position);
            done += len;
        }
    }

    /** Pieces staged on the host so far by {@link #write(String, Tensor)}. */
    long piecesCopied() {
        return piecesCopied;
    }

    /** Writes raw little-endian bytes: {@code data.remaining()} must equal the declared size. */
    public void write(String name, ByteBuffer data) throws IOException {
        TensorInfo info = claim(name);
        if (data.remaining() != info.byteSize()) {
            throw new SafetensorsException(target, "tensor " + name + " " + info.dtype()
                    + Arrays.toString(info.shape()) + " needs " + info.byteSize() + " bytes, got "
                    + data.remaining());
        }
        checksum(data, dataStart + info.begin());
        writeFully(channel, data, dataStart + info.begin());
        pending.remove(name);
    }

    public void write(String name, byte[] data) throws IOException {
        write(name, ByteBuffer.wrap(data));
    }

    /** Streams exactly the declared number of bytes from {@code source}. */
    public void write(String name, ReadableByteChannel source) throws IOException {
        TensorInfo info = claim(name);
        long n = info.byteSize();
        long done = 0;
        if (n > 0) {
            inOrder = false;            // bytes stream through the channel unseen; checksum by reading back
        }
        while (done < n) {
            long copied = channel.transferFrom(source, dataStart + info.begin() + done, n - done);
            if (copied <= 0) {
                throw new SafetensorsException(target, "tensor " + name + ": source ended after " + done
                        + " of " + n + " bytes");
            }
            done += copied;
        }
        pending.remove(name);
    }

    /** Tensor names in the order of their data: writing in this order lets the writer checksum as it goes. */
    public List<String> dataOrder() {
        return new ArrayList<>(layout.keySet());
    }

    /**
     * The CRC-32C of the finished file as 8 hex digits, computed while writing, or empty when the tensors were
     * not written in {@link #dataOrder()} (the caller then checksums the file itself).
     */
    public Optional<String> crc32c() {
        if (!finished || !inOrder) {
            return Optional.empty();
        }
        return Optional.of(String.format("%08x", crc.getValue()));
    }

    /** Checks that every declared tensor was written, fsyncs, and renames the file into place. */
    public void finish() throws IOException {
        if (!pending.isEmpty()) {
            throw new SafetensorsException(target, pending.size() + " declared tensors were never written: "
                    + abbreviate(pending));
        }
        channel.force(true);
        channel.close();
        Durable.atomicRename(tmp, target);
        finished = true;
    }

    private static String abbreviate(TreeSet<String> names) {
        List<String> first = new ArrayList<>(names).subList(0, Math.min(5, names.size()));
        return String.join(", ", first) + (names.size() > 5 ? ", ..." : "");
    }

    /** Abandons an unfinished file (deleting its temporary); after {@link #finish()} does nothing. */
    @Override
    public void close() throws IOException {
        if (!finished) {
            try {
                channel.close();
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }
}
