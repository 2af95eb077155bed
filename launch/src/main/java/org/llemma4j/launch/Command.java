package org.llemma4j.launch;

import java.util.List;

/**
 * One sub-command of {@code launch} ({@code train}, {@code preprocess}, ...): the word that selects it, its line in
 * {@code launch --help}, and what it does with the arguments that follow. Most commands take one set of options and
 * extend {@link OptionsCommand}; those with sub-commands or their own parsing extend this class directly.
 */
public abstract class Command {

    private final String name;
    private final String summary;

    protected Command(String name, String summary) {
        this.name = name;
        this.summary = summary;
    }

    /** The word after {@code launch} that selects this command. */
    public final String name() {
        return name;
    }

    /** One line for {@code launch --help}. */
    public final String summary() {
        return summary;
    }

    /**
     * Runs the command with the arguments that follow its name.
     *
     * @return the process exit status
     * @throws UsageException when the arguments are wrong; the message is printed with the command's usage
     */
    public abstract int run(List<String> args) throws Exception;
}
