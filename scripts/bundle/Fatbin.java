import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * Lists, and keeps one GPU architecture of, the device code in a shared library's {@code .nv_fatbin} section
 * (this machine's CUDA toolkit has no cuobjdump or nvprune). A single-file program:
 * <pre>
 *   java scripts/bundle/Fatbin.java list libtorch_cuda.so
 *   java scripts/bundle/Fatbin.java keep sm_90 libtorch_cuda.so pruned.so
 * </pre>
 * The section is a run of fatbin containers (magic 0xBA55ED50, a 16-byte header whose last field is the size of
 * the entries that follow), each entry a header (kind 1 = PTX, 2 = ELF cubin; the SM number; flags) and its
 * payload. The host code registers each container through a pointer to its header and reads its extent from that
 * header, so {@code keep} rewrites every container in place: the kept entries, unchanged, move to its front, the
 * header's size shrinks to them, and the rest is zero-filled. Offsets, the ELF layout and the relocations stay as
 * they are; the zeros cost nothing once compressed. The layout was checked against fatbins nvcc 13.0 made here
 * for known -gencode lists, and {@code keep} verifies its result (see {@link #verify}).
 */
public final class Fatbin {

    private static final int MAGIC = 0xBA55ED50;
    private static final int EM_CUDA = 190;
    private static final long FLAG_LZ4 = 0x2000;       // payload compressed with LZ4 (older toolchains)
    private static final long FLAG_ZSTD = 0x8000;      // payload is one zstd frame (CUDA 12.8 and later)
    private static final long FLAG_ARCH_SPECIFIC = 0x100000;   // sm_90a, sm_100a: runs on that SM only

    private Fatbin() {
    }

    /** One entry: {@code offset} from the start of the section; its header is {@code headerSize} bytes. */
    record Entry(long offset, int kind, int headerSize, long payloadSize, long compressedSize, int arch, long flags) {

        boolean elf() {
            return kind == 2;
        }

        boolean ptx() {
            return kind == 1;
        }

        long size() {
            return headerSize + payloadSize;
        }

        String name() {
            String suffix = (flags & FLAG_ARCH_SPECIFIC) != 0 ? "a" : "";
            return switch (kind) {
                case 1 -> "compute_" + arch + suffix + " (PTX)";
                case 2 -> "sm_" + arch + suffix;
                default -> "kind " + kind + " arch " + arch;
            };
        }
    }

    /** One container at {@code offset} in the section: header, then {@code entriesSize} bytes of entries. */
    record Container(long offset, int headerSize, long entriesSize, List<Entry> entries) {

        long end() {
            return offset + headerSize + entriesSize;
        }
    }

    public static void main(String[] args) throws Exception {
        try {
            run(args);
        } catch (IllegalStateException e) {
            System.err.println("Fatbin: " + e.getMessage());
            System.exit(1);
        }
    }

    private static void run(String[] args) throws IOException, InterruptedException {
        if (args.length == 2 && args[0].equals("list")) {
            Path library = Path.of(args[1]);
            List<Container> containers = parse(section(library, false));
            System.out.println(library.getFileName() + ": " + containers.size() + " fatbin containers");
            System.out.print(summary(containers));
        } else if (args.length == 4 && args[0].equals("keep") && args[1].matches("sm_\\d+")) {
            keep(Integer.parseInt(args[1].substring(3)), Path.of(args[2]), Path.of(args[3]));
        } else {
            System.err.println("usage: Fatbin list LIB | Fatbin keep sm_NN IN OUT");
            System.exit(2);
        }
    }

    /** Writes {@code in} with only {@code arch}'s device code to {@code out} (through a temporary file). */
    static void keep(int arch, Path in, Path out) throws IOException, InterruptedException {
        Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        MappedByteBuffer source = section(in, false);
        List<Container> before = parse(source);
        if (before.stream().noneMatch(c -> c.entries().stream().anyMatch(e -> e.elf() && e.arch() == arch))) {
            Files.delete(tmp);
            throw new IllegalStateException(in + " has no cubin for sm_" + arch + "; it has:\n" + summary(before)
                    + "A GPU runs cubins of its own major version and an equal or lower minor one (sm_80 on an sm_86 "
                    + "GPU): name one of these.");
        }
        MappedByteBuffer target = section(tmp, true);
        int untouched = 0;
        long zeroed = 0;
        for (Container c : before) {
            List<Entry> kept = select(c, arch);
            if (kept.isEmpty()) {
                untouched++;       // nothing here runs on `arch` anyway: leave it exactly as it was
                continue;
            }
            long write = c.offset() + c.headerSize();
            for (Entry e : kept) {
                target.put((int) write, source, (int) e.offset(), (int) e.size());
                write += e.size();
            }
            target.putLong((int) c.offset() + 8, write - c.offset() - c.headerSize());
            for (long p = write; p < c.end(); p++) {
                target.put((int) p, (byte) 0);
            }
            zeroed += c.end() - write;
        }
        target.force();
        System.out.println(in.getFileName() + ": " + before.size() + " fatbin containers, before:");
        System.out.print(summary(before));
        List<Container> after = parse(target);
        System.out.println("kept sm_" + arch + ":");
        System.out.print(summary(after));
        System.out.printf("  %.1f MB zero-filled; %d containers with nothing for sm_%d left as they were%n",
                zeroed / 1e6, untouched, arch);
        verify(arch, source, before, target, after);
        Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * The entries of {@code c} a GPU of {@code arch} can use: its cubins (sm_NN and sm_NNa); PTX of an older or
     * equal architecture (which the driver compiles) only where the container has no such cubin; kinds this tool
     * does not know are kept. An empty list means the container has nothing for {@code arch}.
     */
    static List<Entry> select(Container c, int arch) {
        boolean hasCubin = c.entries().stream().anyMatch(e -> e.elf() && e.arch() == arch);
        List<Entry> kept = new ArrayList<>();
        for (Entry e : c.entries()) {
            boolean keep = e.elf() ? e.arch() == arch : !e.ptx() || !hasCubin && e.arch() <= arch;
            if (keep) {
                kept.add(e);
            }
        }
        boolean usable = kept.stream().anyMatch(e -> e.elf() || e.ptx());
        return usable ? kept : List.of();
    }

    /**
     * Checks the result independently of how it was written: the same containers at the same offsets; no cubin of
     * another architecture left; the kept entries byte-identical to the originals (SHA-256 over all of them); and
     * every kept cubin, decompressed with the zstd command where it is zstd-compressed, an EM_CUDA ELF whose
     * e_flags name {@code arch}.
     */
    static void verify(int arch, ByteBuffer source, List<Container> before, ByteBuffer target,
            List<Container> after) throws IOException, InterruptedException {
        if (after.size() != before.size()) {
            throw new IllegalStateException(before.size() + " containers before, " + after.size() + " after");
        }
        MessageDigest expected = sha256();
        MessageDigest actual = sha256();
        List<Entry> cubins = new ArrayList<>();
        for (int i = 0; i < before.size(); i++) {
            Container b = before.get(i);
            Container a = after.get(i);
            if (a.offset() != b.offset()) {
                throw new IllegalStateException("container " + i + " moved from " + b.offset() + " to " + a.offset());
            }
            List<Entry> kept = select(b, arch);
            for (Entry e : kept.isEmpty() ? b.entries() : kept) {
                expected.update(slice(source, e.offset(), e.size()));
            }
            for (Entry e : a.entries()) {
                if (e.elf() && e.arch() != arch && !kept.isEmpty()) {
                    throw new IllegalStateException("container " + i + " still holds " + e.name());
                }
                actual.update(slice(target, e.offset(), e.size()));
                if (e.elf() && e.arch() == arch) {
                    cubins.add(e);
                }
            }
        }
        if (!MessageDigest.isEqual(expected.digest(), actual.digest())) {
            throw new IllegalStateException("the kept entries differ from the original ones");
        }
        System.out.println("  verified: the kept entries are byte-identical to the original ones");
        if (!onPath("zstd")) {
            System.out.println("  no zstd command: the kept cubins' ELF headers were not decompressed and checked");
            return;
        }
        int checked = 0;
        int lz4 = 0;
        for (Entry e : cubins) {
            if ((e.flags() & FLAG_LZ4) != 0) {
                lz4++;
                continue;
            }
            long payloadLength = (e.flags() & FLAG_ZSTD) != 0 ? e.compressedSize() : e.payloadSize();
            byte[] payload = new byte[(int) payloadLength];
            slice(target, e.offset() + e.headerSize(), payloadLength).get(payload);
            byte[] elf = (e.flags() & FLAG_ZSTD) != 0 ? zstdDecompress(payload) : payload;
            int sm = cubinArch(elf);
            if (sm != arch) {
                throw new IllegalStateException("entry at section offset " + e.offset() + " is labelled sm_" + arch
                        + " but its ELF header says " + (sm < 0 ? "it is no CUDA ELF" : "sm_" + sm));
            }
            checked++;
        }
        System.out.printf("  verified: %d kept cubins are CUDA ELF files for sm_%d (e_machine %d, e_flags)%s%n",
                checked, arch, EM_CUDA, lz4 > 0 ? "; " + lz4 + " LZ4-compressed ones not decompressed" : "");
    }

    /** The SM number in a cubin's ELF header, or -1 if it is not a CUDA ELF file. */
    static int cubinArch(byte[] elf) {
        ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        if (elf.length < 64 || b.getInt(0) != 0x464C457F || b.getShort(18) != EM_CUDA) {
            return -1;
        }
        int flags = b.getInt(48);
        // ELF ABI version 8 (CUDA 12.8 on) moved the SM number from bits 0-7 to bits 8-15 of e_flags.
        return elf[8] >= 8 ? (flags >> 8) & 0xff : flags & 0xff;
    }

    /** The containers of {@code section}; zero padding between them is skipped. */
    static List<Container> parse(ByteBuffer section) {
        List<Container> containers = new ArrayList<>();
        int pos = 0;
        int limit = section.limit();
        while (pos < limit) {
            if (section.get(pos) == 0) {
                pos++;
                continue;
            }
            if (pos + 16 > limit || section.getInt(pos) != MAGIC) {
                throw new IllegalStateException(String.format(
                        "no fatbin container at section offset %d (0x%08x): not a format this tool knows", pos,
                        pos + 4 <= limit ? section.getInt(pos) : 0));
            }
            int headerSize = section.getShort(pos + 6) & 0xffff;
            long entriesSize = section.getLong(pos + 8);
            long end = pos + headerSize + entriesSize;
            if (end > limit) {
                throw new IllegalStateException("container at section offset " + pos + " runs past the section");
            }
            List<Entry> entries = new ArrayList<>();
            long e = pos + headerSize;
            while (e < end) {
                int p = (int) e;
                Entry entry = new Entry(e, section.getShort(p) & 0xffff, section.getInt(p + 4), section.getLong(p + 8),
                        section.getInt(p + 16) & 0xffffffffL, section.getInt(p + 28), section.getLong(p + 40));
                if (entry.headerSize() < 64 || e + entry.size() > end) {
                    throw new IllegalStateException("bad entry header at section offset " + e);
                }
                entries.add(entry);
                e += entry.size();
            }
            containers.add(new Container(pos, headerSize, entriesSize, entries));
            pos = (int) end;
        }
        return containers;
    }

    /** Entry count and size per architecture, one line each. */
    static String summary(List<Container> containers) {
        Map<String, long[]> byName = new TreeMap<>();      // keys "0090 sm_90a": in architecture order
        for (Container c : containers) {
            for (Entry e : c.entries()) {
                long[] countAndBytes = byName.computeIfAbsent(String.format("%04d %s", e.arch(), e.name()),
                        k -> new long[2]);
                countAndBytes[0]++;
                countAndBytes[1] += e.size();
            }
        }
        StringBuilder out = new StringBuilder();
        long total = 0;
        for (Map.Entry<String, long[]> e : byName.entrySet()) {
            out.append(String.format("  %-22s %5d entries %9.1f MB%n", e.getKey().substring(5), e.getValue()[0],
                    e.getValue()[1] / 1e6));
            total += e.getValue()[1];
        }
        out.append(String.format("  %-22s %5s         %9.1f MB%n", "all", "", total / 1e6));
        return out.toString();
    }

    /** The {@code .nv_fatbin} section of an ELF64 little-endian file, mapped read-only or read-write. */
    static MappedByteBuffer section(Path file, boolean writable) throws IOException {
        try (FileChannel ch = writable ? FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)
                : FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer ehdr = read(ch, 0, 64);
            if (ehdr.getInt(0) != 0x464C457F || ehdr.get(4) != 2 || ehdr.get(5) != 1) {
                throw new IllegalStateException(file + " is not a 64-bit little-endian ELF file");
            }
            long shoff = ehdr.getLong(0x28);
            int shentsize = ehdr.getShort(0x3A) & 0xffff;
            int shnum = ehdr.getShort(0x3C) & 0xffff;
            int shstrndx = ehdr.getShort(0x3E) & 0xffff;
            ByteBuffer headers = read(ch, shoff, shentsize * shnum);
            ByteBuffer names = read(ch, headers.getLong(shstrndx * shentsize + 24),
                    (int) headers.getLong(shstrndx * shentsize + 32));
            for (int i = 0; i < shnum; i++) {
                int h = i * shentsize;
                if (cString(names, headers.getInt(h)).equals(".nv_fatbin")) {
                    var mode = writable ? FileChannel.MapMode.READ_WRITE : FileChannel.MapMode.READ_ONLY;
                    MappedByteBuffer map = ch.map(mode, headers.getLong(h + 24), headers.getLong(h + 32));
                    map.order(ByteOrder.LITTLE_ENDIAN);
                    return map;
                }
            }
            throw new IllegalStateException(file + " has no .nv_fatbin section: no device code to list or keep");
        }
    }

    private static ByteBuffer read(FileChannel ch, long offset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b, offset + b.position()) < 0) {
                throw new IllegalStateException("ELF file ends inside its headers");
            }
        }
        return b.flip();
    }

    private static String cString(ByteBuffer b, int at) {
        int end = at;
        while (b.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - at];
        b.get(at, bytes);
        return new String(bytes, StandardCharsets.US_ASCII);
    }

    private static ByteBuffer slice(ByteBuffer b, long offset, long length) {
        return b.slice((int) offset, (int) length);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    private static byte[] zstdDecompress(byte[] frame) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("zstd", "-q", "-d", "-c").start();
        CompletableFuture<byte[]> output = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
        try (OutputStream in = p.getOutputStream()) {
            in.write(frame);
        }
        byte[] result = output.join();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("zstd could not decompress a kept cubin: "
                    + new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
        }
        return result;
    }

    private static byte[] readAll(InputStream in) {
        try (in; ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            in.transferTo(out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
