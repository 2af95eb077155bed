package org.llemma4j.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.llemma4j.parallel.ShardDim;

/**
 * What a data file says about each tensor it stores, kept in the file's own safetensors metadata (key
 * {@value #METADATA_KEY}, a JSON string). Because every file describes itself, rank 0 builds the manifest's
 * index by reading the headers of the files the ranks wrote, with no message passing between ranks.
 *
 * @param name      logical tensor name (see {@link Manifest})
 * @param shape     global shape
 * @param shardDim  tensor-parallel split
 * @param offset    block start along the split dimension
 * @param length    block size along the split dimension
 * @param flatStart first element of the block stored under this key
 */
record StoredPiece(String name, long[] shape, ShardDim shardDim, long offset, long length, long flatStart) {

    static final String METADATA_KEY = "llemma4j.slices";

    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    static String toJson(Map<String, StoredPiece> byKey) {
        try {
            return JSON.writeValueAsString(new TreeMap<>(byKey));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, StoredPiece> fromJson(Path file, String json) throws CheckpointException {
        try {
            return JSON.readValue(json, new TypeReference<TreeMap<String, StoredPiece>>() { });
        } catch (JsonProcessingException e) {
            throw new CheckpointException(file + ": metadata " + METADATA_KEY + " is not valid: "
                    + e.getOriginalMessage());
        }
    }
}
