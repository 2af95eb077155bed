package org.llemma4j.parallel.device;

/**
 * The sentence a user needs from a failure that arrives wrapped: a failed class initialisation hides its reason (a
 * missing preset class, a library that did not load) under {@code ExceptionInInitializerError} and
 * {@code InvocationTargetException}, and libtorch appends a native stack to its messages.
 */
public final class RootCause {

    private RootCause() {
    }

    /** The innermost cause's type and the first line of its message: {@code "TypeNotPresentException: Type ..."}. */
    public static String of(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage();
        String first = m == null ? "" : m.lines().findFirst().orElse("").strip();
        return root.getClass().getSimpleName() + (first.isEmpty() ? "" : ": " + first);
    }
}
