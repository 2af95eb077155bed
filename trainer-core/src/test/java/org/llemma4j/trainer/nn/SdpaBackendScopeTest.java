package org.llemma4j.trainer.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * A flash-only scope sets libtorch's SDPA backend switches and puts back whatever they were, also when they were
 * not libtorch's defaults and when guards nest. The switches live in the global context, which the CPU build has
 * too; that flash then really runs is for the GPU check.
 */
class SdpaBackendScopeTest {

    private static final SdpaBackend.Switches FLASH_ONLY = new SdpaBackend.Switches(true, false, false, false);

    @Test
    void forcesFlashAndRestoresTheDefaults() {
        SdpaBackend.Switches before = SdpaBackend.Switches.current();
        try (SdpaBackend.Scope flash = SdpaBackend.FLASH.use()) {
            assertEquals(FLASH_ONLY, SdpaBackend.Switches.current());
            assertEquals(before, flash.previous());
        }
        assertEquals(before, SdpaBackend.Switches.current());
    }

    @Test
    void restoresSettingsThatWereNotTheDefaultsAndNests() {
        SdpaBackend.Switches before = SdpaBackend.Switches.current();
        SdpaBackend.Switches unusual = new SdpaBackend.Switches(false, true, false, true);
        try {
            unusual.apply();
            assertEquals(unusual, SdpaBackend.Switches.current());
            try (SdpaBackend.Scope outer = SdpaBackend.FLASH.use()) {
                try (SdpaBackend.Scope inner = SdpaBackend.FLASH.use()) {
                    assertEquals(FLASH_ONLY, inner.previous());
                }
                assertEquals(FLASH_ONLY, SdpaBackend.Switches.current());
                outer.close();
                outer.close();                      // a second close changes nothing
                assertEquals(unusual, SdpaBackend.Switches.current());
            }
            assertEquals(unusual, SdpaBackend.Switches.current());
        } finally {
            before.apply();
        }
    }
}
