package org.llemma4j.launch.supervisor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/** The last {@code capacity} lines of a stream: what a failing rank said just before it died. Thread-safe. */
final class LineTail {

    private final int capacity;
    private final ArrayDeque<String> lines;

    LineTail(int capacity) {
        this.capacity = capacity;
        this.lines = new ArrayDeque<>(capacity);
    }

    synchronized void add(String line) {
        if (lines.size() == capacity) {
            lines.removeFirst();
        }
        lines.addLast(line);
    }

    synchronized List<String> lines() {
        return new ArrayList<>(lines);
    }
}
