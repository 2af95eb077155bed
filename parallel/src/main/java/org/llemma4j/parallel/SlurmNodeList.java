package org.llemma4j.parallel;

import java.util.ArrayList;
import java.util.List;

/**
 * Expands SLURM's compressed host lists ({@code SLURM_JOB_NODELIST}), e.g. {@code node[003-010,012]} or
 * {@code gpu-a[1-2]-r[01-02],login7}, into host names.
 *
 * <p>Why our own parser: the master address under {@code srun} is the first host of the list, and calling
 * {@code scontrol show hostnames} needs the SLURM binaries on the compute node's PATH, which is not guaranteed
 * inside containers. Zero padding is kept from the lower bound ({@code 003} -> {@code 003, 004, ...}), as SLURM does.
 */
public final class SlurmNodeList {

    /** Refuses to expand lists that would allocate absurd amounts (a typo such as {@code n[1-99999999]}). */
    private static final int MAX_HOSTS = 1_000_000;

    private SlurmNodeList() {
    }

    /** The first host of the list, without expanding the rest. */
    public static String first(String nodeList) {
        return expand(nodeList, 1).get(0);
    }

    /** Every host of the list, in order. */
    public static List<String> expand(String nodeList) {
        return expand(nodeList, MAX_HOSTS);
    }

    private static List<String> expand(String nodeList, int limit) {
        if (nodeList == null || nodeList.isBlank()) {
            throw new IllegalArgumentException("SLURM node list is empty");
        }
        List<String> hosts = new ArrayList<>();
        for (String item : splitTopLevel(nodeList.trim(), nodeList)) {
            if (item.isEmpty()) {
                throw new IllegalArgumentException("SLURM node list '" + nodeList + "' has an empty entry");
            }
            expandItem(item, nodeList, hosts, limit);
            if (hosts.size() >= limit) {
                break;
            }
        }
        return List.copyOf(hosts.subList(0, Math.min(limit, hosts.size())));
    }

    /** Splits on commas that are not inside brackets. */
    private static List<String> splitTopLevel(String s, String whole) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '[') {
                if (++depth > 1) {
                    throw new IllegalArgumentException("SLURM node list '" + whole + "' has nested '[' at " + i);
                }
            } else if (c == ']') {
                if (--depth < 0) {
                    throw new IllegalArgumentException("SLURM node list '" + whole + "' has an unmatched ']' at " + i);
                }
            } else if (c == ',' && depth == 0) {
                parts.add(s.substring(start, i).trim());
                start = i + 1;
            }
        }
        if (depth != 0) {
            throw new IllegalArgumentException("SLURM node list '" + whole + "' has an unclosed '['");
        }
        parts.add(s.substring(start).trim());
        return parts;
    }

    /** Expands one host pattern; bracket groups multiply (the first group varies slowest). */
    private static void expandItem(String item, String whole, List<String> out, int limit) {
        int open = item.indexOf('[');
        if (open < 0) {
            out.add(item);
            return;
        }
        int close = item.indexOf(']', open);
        String prefix = item.substring(0, open);
        String rest = item.substring(close + 1);
        for (String range : item.substring(open + 1, close).split(",", -1)) {
            range = range.trim();
            if (range.isEmpty()) {
                throw new IllegalArgumentException("SLURM node list '" + whole + "' has an empty range in '" + item
                        + "'");
            }
            int dash = range.indexOf('-');
            String lo = dash < 0 ? range : range.substring(0, dash);
            String hi = dash < 0 ? range : range.substring(dash + 1);
            long from = parseBound(lo, range, whole);
            long to = parseBound(hi, range, whole);
            if (to < from) {
                throw new IllegalArgumentException("SLURM node list '" + whole + "' has a descending range '"
                        + range + "' (" + from + " > " + to + ")");
            }
            if (to - from >= MAX_HOSTS) {
                throw new IllegalArgumentException("SLURM node list '" + whole + "' range '" + range
                        + "' has " + (to - from + 1) + " hosts, more than " + MAX_HOSTS);
            }
            int width = lo.length();
            for (long n = from; n <= to; n++) {
                String number = String.format("%0" + width + "d", n);
                expandItem(prefix + number + rest, whole, out, limit);
                if (out.size() >= limit) {
                    return;
                }
            }
        }
    }

    private static long parseBound(String bound, String range, String whole) {
        if (bound.isEmpty() || bound.length() > 18 || !bound.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("SLURM node list '" + whole + "' has a malformed range '" + range
                    + "' (bound '" + bound + "' is not a number)");
        }
        return Long.parseLong(bound);
    }
}
