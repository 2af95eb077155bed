package org.llemma4j.checkpoint.safetensors;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * How a writer opens the file it writes. Production code uses {@link #DEFAULT}; tests substitute a channel that
 * fails part-way, to check that a full disk leaves nothing corrupt behind.
 */
@FunctionalInterface
public interface ChannelOpener {

    ChannelOpener DEFAULT = path -> FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);

    /** Creates {@code path}, which must not exist, for writing. */
    FileChannel create(Path path) throws IOException;
}
