package org.llemma4j.checkpoint.safetensors;

/**
 * A tensor as a file's header describes it: its declaration plus its byte range {@code [begin, end)} within the
 * data buffer (which starts right after the header).
 */
public record TensorInfo(TensorSpec spec, long begin, long end) {

    public String name() {
        return spec.name();
    }

    public SafetensorsDtype dtype() {
        return spec.dtype();
    }

    public long[] shape() {
        return spec.shape();
    }

    public long byteSize() {
        return end - begin;
    }

    @Override
    public String toString() {
        return spec + " @[" + begin + ", " + end + ")";
    }
}
