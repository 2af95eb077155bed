package org.llemma4j.checkpoint.safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * A safetensors file opened for reading: the header is parsed and validated once, the data is memory-mapped and
 * copied into fresh libtorch tensors on request (whole, or a slice along one dimension without touching the rest).
 *
 * <p>Returned tensors are new CPU tensors that the caller owns (they join the caller's {@code PointerScope}, if
 * any); nothing returned aliases the map, so closing this file never invalidates a tensor.
 */
public final class SafetensorsFile implements AutoCloseable {

    private final Path path;
    private final FileChannel channel;
    private final WindowedMapping mapped;
    private final SafetensorsHeader header;
    private final long dataStart;

    private SafetensorsFile(Path path, FileChannel channel, WindowedMapping mapped, SafetensorsHeader header,
                            long dataStart) {
        this.path = path;
        this.channel = channel;
        this.mapped = mapped;
        this.header = header;
        this.dataStart = dataStart;
    }

    /** Opens and validates {@code path}; every format error names the file (and the tensor, when one is at fault). */
    public static SafetensorsFile open(Path path) throws IOException {
        return open(path, WindowedMapping.DEFAULT_WINDOW);
    }

    static SafetensorsFile open(Path path, long window) throws IOException {
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new SafetensorsException(path, "no such file");
        }
        try {
            long size = ch.size();
            if (size < 8) {
                throw new SafetensorsException(path, "file is " + size
                        + " bytes, shorter than the 8-byte header length field");
            }
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, len, 0);
            long n = len.flip().getLong();
            if (n < 0 || n > size - 8) {
                throw new SafetensorsException(path, "header length " + Long.toUnsignedString(n)
                        + " runs past the end of the file (" + size + " bytes)");
            }
            if (n > SafetensorsHeader.MAX_HEADER_BYTES) {
                throw new SafetensorsException(path, "header length " + n + " exceeds the limit of "
                        + SafetensorsHeader.MAX_HEADER_BYTES + " bytes");
            }
            ByteBuffer json = ByteBuffer.allocate((int) n);
            readFully(ch, json, 8);
            SafetensorsHeader header = SafetensorsHeader.parse(path, json.array(), size - 8 - n);
            return new SafetensorsFile(path, ch, new WindowedMapping(path, ch, size, window), header, 8 + n);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, position + buf.position());
            if (r < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }

    public Path path() {
        return path;
    }

    /** Tensor names in data order. */
    public Set<String> names() {
        return header.tensors().keySet();
    }

    public boolean contains(String name) {
        return header.tensors().containsKey(name);
    }

    /** The header's metadata map. */
    public Map<String, String> metadata() {
        return header.metadata();
    }

    /** The header entry of {@code name}; an error names the file and the tensor when absent. */
    public TensorInfo info(String name) throws SafetensorsException {
        TensorInfo info = header.tensors().get(name);
        if (info == null) {
            throw new SafetensorsException(path, "no tensor " + name + " (the file holds "
                    + header.tensors().size() + " tensors)");
        }
        return info;
    }

    /** The whole tensor as a new CPU tensor of its stored dtype. */
    public Tensor read(String name) throws IOException {
        TensorInfo info = info(name);
        Tensor out = empty(info.dtype(), info.shape());
        if (info.byteSize() > 0) {
            mapped.copyTo(dataStart + info.begin(), info.byteSize(), out.data_ptr(), 0);
        }
        return out;
    }

    /**
     * Copies elements {@code [element, element + count)} of tensor {@code name} (row-major) into native memory at
     * {@code dst + dstByteOffset}, which must hold them.
     */
    public void copyElements(String name, long element, long count, Pointer dst, long dstByteOffset)
            throws IOException {
        TensorInfo info = info(name);
        if (element < 0 || count < 0 || element + count > info.spec().numel()) {
            throw new SafetensorsException(path, "tensor " + name + " has " + info.spec().numel()
                    + " elements; elements ["
                    + element + ", " + (element + count) + ") are outside it");
        }
        long bytes = info.dtype().bytes();
        mapped.copyTo(dataStart + info.begin() + element * bytes, count * bytes, dst, dstByteOffset);
    }

    /**
     * {@code length} entries starting at {@code start} along dimension {@code dim}, as a new contiguous tensor.
     * Only the bytes of the slice are read: one contiguous range for dimension 0, one range per outer index
     * otherwise.
     */
    public Tensor readSlice(String name, int dim, long start, long length) throws IOException {
        TensorInfo info = info(name);
        long[] shape = info.shape();
        if (dim < 0 || dim >= shape.length) {
            throw new SafetensorsException(path, "tensor " + name + " of shape " + Arrays.toString(shape)
                    + " has no dimension " + dim);
        }
        if (start < 0 || length < 0 || start + length > shape[dim]) {
            throw new SafetensorsException(path, "tensor " + name + " of shape " + Arrays.toString(shape)
                    + ": slice [" + start + ", " + (start + length) + ") is outside dimension " + dim);
        }
        long outer = 1;
        for (int i = 0; i < dim; i++) {
            outer *= shape[i];
        }
        long inner = info.dtype().bytes();
        for (int i = dim + 1; i < shape.length; i++) {
            inner *= shape[i];
        }
        long[] outShape = shape.clone();
        outShape[dim] = length;
        Tensor out = empty(info.dtype(), outShape);
        long chunk = length * inner;                 // bytes of the slice per outer index
        long stride = shape[dim] * inner;            // bytes of the whole tensor per outer index
        if (chunk > 0) {
            Pointer dst = out.data_ptr();
            for (long o = 0; o < outer; o++) {
                mapped.copyTo(dataStart + info.begin() + o * stride + start * inner, chunk, dst, o * chunk);
            }
        }
        return out;
    }

    /** The raw little-endian bytes of a tensor (at most 2 GB). */
    public byte[] readBytes(String name) throws IOException {
        TensorInfo info = info(name);
        if (info.byteSize() > Integer.MAX_VALUE - 8) {
            throw new SafetensorsException(path, "tensor " + name + " has " + info.byteSize()
                    + " bytes, too many for a Java array; read it as a tensor");
        }
        return mapped.bytes(dataStart + info.begin(), (int) info.byteSize());
    }

    /** Offset of the data buffer from the start of the file (8 + header length). */
    public long dataStart() {
        return dataStart;
    }

    /** A new host tensor whatever libtorch's default device: the mapped bytes are copied into it from Java. */
    private static Tensor empty(SafetensorsDtype dtype, long[] shape) {
        return torch.empty(shape, new TensorOptions(new Device("cpu")).dtype(new ScalarTypeOptional(dtype.torchType())),
                new MemoryFormatOptional());
    }

    /** Size of the file in bytes. */
    public long size() throws IOException {
        return Files.size(path);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
