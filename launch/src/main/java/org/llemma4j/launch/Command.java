package org.llemma4j.launch;

import java.util.List;

/** One sub-command of {@code launch} ({@code train}, {@code preprocess}, ...). */
public interface Command {

    /** The word after {@code launch} that selects this command. */
    String name();

    /** One line for {@code launch --help}. */
    String summary();

    /**
     * Runs the command with the arguments that follow its name.
     *
     * @return the process exit status
     * @throws UsageException when the arguments are wrong; the message is printed with the command's usage
     */
    int run(List<String> args) throws Exception;
}
