package org.llemma4j.trainer.config;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** docs/configuration.md lists every implemented and every ignored key, as declared. */
class ConfigDocsTest {

    private static final Path PAGE = Path.of(System.getProperty("project.root", ".."), "docs", "configuration.md");

    @Test
    void thePageCarriesTheGeneratedTables() throws IOException {
        String page = Files.readString(PAGE);
        int begin = page.indexOf(ConfigDocs.BEGIN);
        int end = page.indexOf(ConfigDocs.END);
        assertTrue(begin >= 0 && end > begin, "docs/configuration.md has lost its generated-table markers");
        assertEquals(ConfigDocs.generated(), page.substring(begin, end + ConfigDocs.END.length()) + "\n",
                "docs/configuration.md is out of date: regenerate the tables with ConfigDocs.main (see the page)");
    }

    @Test
    void everyKeyHasARow() {
        String table = ConfigDocs.keyTable();
        for (String key : ConfigKeys.all().keySet()) {
            assertTrue(table.contains("| `" + key + "` |"), key);
        }
        String ignored = ConfigDocs.ignoredTable();
        for (String key : IgnoredKeys.names()) {
            assertTrue(ignored.contains("| `" + key + "` |"), key);
        }
    }
}
