package org.llemma4j.trainer.config;

import java.util.Collection;
import java.util.Optional;

/**
 * The "did you mean" for unknown keys: the known key with the smallest edit distance, if it is close enough
 * to be a plausible typo rather than a different key altogether.
 */
public final class NearestKey {

    private NearestKey() {
    }

    /**
     * The suggestion for an unknown {@code key}, tried in this order:
     * <ol>
     *   <li>a candidate whose last segment is exactly the key's last segment: the usual mistake with sections
     *       is the level, not the spelling ({@code lr} at the top level is {@code optimizer.params.lr},
     *       {@code optimizer.params.weight_decay} is {@code weight_decay});</li>
     *   <li>the candidate with the smallest Levenshtein distance to the full key;</li>
     *   <li>the candidate whose last segment is closest to the key's last segment.</li>
     * </ol>
     * A distance counts only if it is at most 3 and less than half the key's length (a short key is only
     * "corrected" by a short edit), and a tie between different candidates gives no suggestion
     * ({@code enabled} could be {@code bf16.enabled} or {@code fp16.enabled}).
     */
    public static Optional<String> suggest(String key, Collection<String> candidates) {
        // A key that exists verbatim at another level beats a spelling guess (stage is not a typo of save).
        Optional<String> sameLeaf = closest(leaf(key), candidates, NearestKey::leaf, 0);
        if (sameLeaf.isPresent()) {
            return sameLeaf;
        }
        Optional<String> byName = closest(key, candidates, NearestKey::identity, limit(key));
        return byName.isPresent() ? byName : closest(leaf(key), candidates, NearestKey::leaf, limit(leaf(key)));
    }

    private static int limit(String key) {
        return Math.min(3, (key.length() - 1) / 2);
    }

    private static Optional<String> closest(String key, Collection<String> candidates,
                                            java.util.function.UnaryOperator<String> view, int limit) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        boolean tie = false;
        for (String candidate : candidates) {
            int d = distance(key, view.apply(candidate));
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
                tie = false;
            } else if (d == bestDistance && !candidate.equals(best)) {
                tie = true;
            }
        }
        return best != null && bestDistance <= limit && !tie ? Optional.of(best) : Optional.empty();
    }

    private static String identity(String name) {
        return name;
    }

    private static String leaf(String name) {
        return name.substring(name.lastIndexOf('.') + 1);
    }

    /** Levenshtein distance (insert, delete, substitute; each costs 1). */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j] + 1, current[j - 1] + 1));
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
