package org.llemma4j.trainer.zero;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

class GradientBucketTest {

    /** Sorted by offset, the buckets tile [0, padded) without gaps or overlaps. */
    private static void assertTiles(List<GradientBucket> buckets, long padded) {
        List<GradientBucket> sorted =
                buckets.stream().sorted(Comparator.comparingLong(GradientBucket::offset)).toList();
        long next = 0;
        for (GradientBucket b : sorted) {
            assertEquals(next, b.offset(), "gap or overlap before " + b + " in " + sorted);
            next = b.end();
        }
        assertEquals(padded, next, "the buckets end at the buffer's end");
    }

    @Test
    void withoutZeroBucketsAreCutAtTheDecayBoundaryAndReducedBackToFront() {
        // 100 elements, 90 decayed, at most 40 per bucket: [0, 90) in 3 pieces of 30, [90, 100) in one.
        List<GradientBucket> order = GradientBucket.plan(100, 90, 1, 40);
        assertEquals(List.of(new GradientBucket(60, 30, -1), new GradientBucket(30, 30, -1),
                new GradientBucket(0, 30, -1), new GradientBucket(90, 10, -1)), order);
        assertTiles(order, 100);
    }

    @Test
    void withZeroEveryBucketLiesInOneShardAndNamesItsOwner() {
        // 4 shards of 25; decayed prefix 90; at most 10 per bucket.
        List<GradientBucket> order = GradientBucket.plan(100, 90, 4, 10);
        assertTiles(order, 100);
        for (GradientBucket b : order) {
            assertTrue(b.length() <= 10, b.toString());
            assertEquals(b.offset() / 25, (b.end() - 1) / 25, "bucket " + b + " crosses a shard boundary");
            assertEquals(b.offset() / 25, b.owner(), b.toString());
            assertTrue(b.end() <= 90 || b.offset() >= 90, "bucket " + b + " crosses the decay boundary");
        }
        // The last shard is reduced first (the output layer's gradients arrive first), the norms last.
        assertEquals(3, order.get(0).owner());
        assertEquals(new GradientBucket(90, 10, 3), order.get(order.size() - 1));
    }

    @Test
    void oneBucketPerSegmentWhenTheSizeIsLarge() {
        List<GradientBucket> order = GradientBucket.plan(1000, 1000, 2, 500_000_000);
        assertEquals(List.of(new GradientBucket(500, 500, 1), new GradientBucket(0, 500, 0)), order);
    }

    @Test
    void badSizesAreRefusedNamingTheKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GradientBucket.plan(100, 90, 1, 0));
        assertEquals("zero_optimization.reduce_bucket_size must be at least 1, got 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GradientBucket.plan(101, 90, 2, 10));
        assertEquals("the padded parameter buffer of 101 elements does not split into 2 equal shards",
                e.getMessage());
    }
}
