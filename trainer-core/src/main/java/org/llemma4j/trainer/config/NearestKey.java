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
     * The closest candidate to {@code key}, when its Levenshtein distance is at most 3 and less than half the
     * length of {@code key} (so {@code seed} does not "suggest" {@code save}-like unrelated short keys).
     */
    public static Optional<String> suggest(String key, Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : candidates) {
            int d = distance(key, candidate);
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        int limit = Math.min(3, (key.length() - 1) / 2);
        return best != null && bestDistance <= limit ? Optional.of(best) : Optional.empty();
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
