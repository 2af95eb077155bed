package org.llemma4j.trainer.config;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The type of a config key, and the conversion of a parsed YAML value into it.
 *
 * <p>Conversions are strict (a fractional {@code num_layers} is an error, not a truncation) but accept numbers
 * written as strings, because YAML 1.1 parsers, PyYAML included, read {@code 3e-4} (no dot) as a string and
 * GPT-NeoX configs are full of such values.
 *
 * @param <T> the Java type of the value
 */
public final class ConfigType<T> {

    /** A 32-bit integer. */
    public static final ConfigType<Integer> INT = new ConfigType<>("an integer", ConfigType::toInt);
    /** A 64-bit integer. */
    public static final ConfigType<Long> LONG = new ConfigType<>("an integer", ConfigType::toLong);
    /** A finite floating-point number. */
    public static final ConfigType<Double> DOUBLE = new ConfigType<>("a number", ConfigType::toDouble);
    /** {@code true} or {@code false}. */
    public static final ConfigType<Boolean> BOOLEAN = new ConfigType<>("true or false", ConfigType::toBoolean);
    /** A string; numbers and booleans are not silently turned into strings. */
    public static final ConfigType<String> STRING = new ConfigType<>("a string", ConfigType::toStringValue);
    /** A string compared case-insensitively: stored in lower case ({@code "Adam"} is {@code adam}). */
    public static final ConfigType<String> NAME = new ConfigType<>("a string",
            (key, raw) -> toStringValue(key, raw).toLowerCase(Locale.ROOT));
    /** A list of numbers, {@code [0.9, 0.95]}. */
    public static final ConfigType<List<Double>> DOUBLE_LIST = new ConfigType<>("a list of numbers",
            (key, raw) -> toList(key, raw, DOUBLE, "a list of numbers"));
    /** A list of strings, {@code [a, b]}. */
    public static final ConfigType<List<String>> STRING_LIST = new ConfigType<>("a list of strings",
            (key, raw) -> toList(key, raw, STRING, "a list of strings"));

    private interface Converter<T> {
        T convert(String key, Object raw);
    }

    private final String description;
    private final Converter<T> converter;

    private ConfigType(String description, Converter<T> converter) {
        this.description = description;
        this.converter = converter;
    }

    /** What a value of this type looks like, for messages: "an integer". */
    public String description() {
        return description;
    }

    /**
     * Converts a value as parsed from YAML (String, Integer, Long, BigInteger, Double, Boolean, List, Map).
     *
     * @throws ConfigException naming {@code key} and the value when it is not of this type
     */
    public T convert(String key, Object raw) {
        return converter.convert(key, raw);
    }

    private static ConfigException mismatch(String key, Object raw, String expected) {
        return new ConfigException(key + " must be " + expected + ", got " + show(raw));
    }

    /** A value as the user would recognize it: strings quoted, maps and lists as written. */
    static String show(Object raw) {
        if (raw instanceof String s) {
            return "\"" + s + "\"";
        }
        if (raw instanceof Map<?, ?> m) {
            return "a section " + m;
        }
        return String.valueOf(raw);
    }

    private static BigDecimal exactNumber(String key, Object raw, String expected) {
        if (raw instanceof Integer || raw instanceof Long || raw instanceof Short || raw instanceof Byte) {
            return BigDecimal.valueOf(((Number) raw).longValue());
        }
        if (raw instanceof BigInteger b) {
            return new BigDecimal(b);
        }
        if (raw instanceof BigDecimal d) {
            return d;
        }
        if (raw instanceof Double || raw instanceof Float) {
            double d = ((Number) raw).doubleValue();
            if (!Double.isFinite(d)) {
                throw mismatch(key, raw, expected);
            }
            return BigDecimal.valueOf(d);
        }
        if (raw instanceof String s) {
            try {
                return new BigDecimal(s.trim().replace("_", ""));
            } catch (NumberFormatException e) {
                throw mismatch(key, raw, expected);
            }
        }
        throw mismatch(key, raw, expected);
    }

    private static long integral(String key, Object raw, long min, long max) {
        BigDecimal d = exactNumber(key, raw, "an integer");
        BigInteger whole;
        try {
            whole = d.toBigIntegerExact();
        } catch (ArithmeticException e) {
            throw mismatch(key, raw, "an integer");
        }
        if (whole.compareTo(BigInteger.valueOf(min)) < 0 || whole.compareTo(BigInteger.valueOf(max)) > 0) {
            throw new ConfigException(key + " " + raw + " is out of range [" + min + ", " + max + "]");
        }
        return whole.longValue();
    }

    private static Integer toInt(String key, Object raw) {
        return (int) integral(key, raw, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    private static Long toLong(String key, Object raw) {
        return integral(key, raw, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    private static Double toDouble(String key, Object raw) {
        double d = exactNumber(key, raw, "a number").doubleValue();
        if (!Double.isFinite(d)) {
            throw mismatch(key, raw, "a finite number");
        }
        return d;
    }

    private static Boolean toBoolean(String key, Object raw) {
        if (raw instanceof Boolean b) {
            return b;
        }
        if (raw instanceof String s) {
            if (s.equalsIgnoreCase("true")) {
                return true;
            }
            if (s.equalsIgnoreCase("false")) {
                return false;
            }
        }
        throw mismatch(key, raw, "true or false");
    }

    private static String toStringValue(String key, Object raw) {
        if (raw instanceof String s) {
            return s;
        }
        throw mismatch(key, raw, "a string");
    }

    private static <E> List<E> toList(String key, Object raw, ConfigType<E> element, String expected) {
        if (!(raw instanceof List<?> list)) {
            throw mismatch(key, raw, expected);
        }
        List<E> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            Object item = list.get(i);
            if (item == null) {
                throw new ConfigException(key + "[" + i + "] must be " + element.description() + ", got null");
            }
            out.add(element.convert(key + "[" + i + "]", item));
        }
        return Collections.unmodifiableList(out);
    }
}
