package org.llemma4j.trainer.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The flash-only guard sets libtorch's SDPA backend switches and puts back whatever they were, also when they were
 * not libtorch's defaults and when guards nest. The switches live in the global context, which the CPU build has
 * too; that flash then really runs is for the GPU check.
 */
class FlashOnlyTest {

    @Test
    void forcesFlashAndRestoresTheDefaults() {
        FlashOnly.Backends before = FlashOnly.Backends.current();
        try (FlashOnly flash = FlashOnly.force()) {
            assertEquals(FlashOnly.Backends.FLASH_ONLY, FlashOnly.Backends.current());
            assertEquals(before, flash.previous());
        }
        assertEquals(before, FlashOnly.Backends.current());
    }

    @Test
    void restoresSettingsThatWereNotTheDefaultsAndNests() {
        FlashOnly.Backends before = FlashOnly.Backends.current();
        FlashOnly.Backends unusual = new FlashOnly.Backends(false, true, false, true);
        try {
            unusual.apply();
            assertEquals(unusual, FlashOnly.Backends.current());
            try (FlashOnly outer = FlashOnly.force()) {
                try (FlashOnly inner = FlashOnly.force()) {
                    assertEquals(FlashOnly.Backends.FLASH_ONLY, inner.previous());
                }
                assertEquals(FlashOnly.Backends.FLASH_ONLY, FlashOnly.Backends.current());
                outer.close();
                outer.close();                      // a second close changes nothing
                assertEquals(unusual, FlashOnly.Backends.current());
            }
            assertEquals(unusual, FlashOnly.Backends.current());
        } finally {
            before.apply();
        }
    }
}
