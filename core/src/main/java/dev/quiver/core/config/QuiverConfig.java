package dev.quiver.core.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.quiver.core.spec.Durations;
import dev.quiver.core.spec.Suggestions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Immutable configuration: the flattened keys of {@code quiver.yaml} ({@code server: {port: 8080}}
 * becomes {@code server.port}). Values are kept as text and converted by {@link
 * #get(ConfigOption)}. Raw client settings live under a {@code properties.} segment (e.g. {@code
 * online.hbase.properties.hbase.rpc.timeout}) and are passed through verbatim.
 */
public final class QuiverConfig {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private final Map<String, String> values;

  private QuiverConfig(Map<String, String> values) {
    this.values = Map.copyOf(values);
  }

  public static QuiverConfig empty() {
    return new QuiverConfig(Map.of());
  }

  public static QuiverConfig of(Map<String, String> values) {
    return new QuiverConfig(values);
  }

  /** Loads and flattens a YAML file. */
  public static QuiverConfig load(Path yamlFile) {
    try {
      return parse(Files.readString(yamlFile), yamlFile.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read config " + yamlFile + ": " + e.getMessage(), e);
    }
  }

  /** Parses YAML text; {@code origin} is used in error messages. */
  public static QuiverConfig parse(String yaml, String origin) {
    try {
      JsonNode root = YAML.readTree(yaml);
      Map<String, String> flat = new TreeMap<>();
      if (root != null && !root.isMissingNode() && !root.isNull()) {
        if (!root.isObject()) {
          throw new IllegalArgumentException(origin + ": expected a mapping of options at the top");
        }
        flatten("", root, flat);
      }
      return new QuiverConfig(flat);
    } catch (JsonProcessingException e) {
      // one line: where, what, and the fix (SnakeYAML's own message quotes the file over lines)
      String at =
          e.getLocation() == null || e.getLocation().getLineNr() < 1
              ? ""
              : ":" + e.getLocation().getLineNr();
      throw new IllegalArgumentException(
          origin
              + at
              + ": not valid YAML: "
              + YamlMessages.concise(e.getOriginalMessage())
              + " (check the indentation, spaces not tabs, and quoting near that line; options"
              + " nest like server: {port: 8080})",
          e);
    } catch (IOException e) {
      throw new IllegalArgumentException(origin + ": not valid YAML: " + e.getMessage(), e);
    }
  }

  private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
    if (node.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> it = node.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out);
      }
    } else if (node.isArray()) {
      List<String> items = new ArrayList<>();
      node.forEach(n -> items.add(n.asText()));
      out.put(prefix, String.join(",", items));
    } else if (!node.isNull()) {
      out.put(prefix, node.asText());
    }
  }

  /** A copy with {@code key} set (used for command-line overrides). */
  public QuiverConfig with(String key, String value) {
    Map<String, String> m = new TreeMap<>(values);
    m.put(key, value);
    return new QuiverConfig(m);
  }

  public Map<String, String> asMap() {
    return values;
  }

  public boolean contains(ConfigOption<?> option) {
    return values.containsKey(option.key());
  }

  /**
   * The option's value, or its default.
   *
   * @throws IllegalArgumentException naming the key, the bad value and the expected form
   */
  public <T> T get(ConfigOption<T> option) {
    String raw = values.get(option.key());
    if (raw == null) {
      return option.defaultValue();
    }
    return convert(option, raw.trim());
  }

  @SuppressWarnings("unchecked")
  private static <T> T convert(ConfigOption<T> option, String raw) {
    Class<T> type = option.type();
    try {
      if (type == String.class) {
        return (T) raw;
      } else if (type == Integer.class) {
        return (T) Integer.valueOf(raw);
      } else if (type == Long.class) {
        return (T) Long.valueOf(raw);
      } else if (type == Double.class) {
        return (T) Double.valueOf(raw);
      } else if (type == Boolean.class) {
        if (!raw.equalsIgnoreCase("true") && !raw.equalsIgnoreCase("false")) {
          throw new IllegalArgumentException();
        }
        return (T) Boolean.valueOf(raw);
      } else if (type == Duration.class) {
        return (T)
            Durations.parse(raw).orElseThrow(() -> new IllegalArgumentException("not a duration"));
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          option.key() + ": '" + raw + "' (expected: " + expected(type) + ")", e);
    }
    throw new IllegalStateException(type.toString());
  }

  private static String expected(Class<?> type) {
    if (type == Duration.class) {
      return "a duration such as 500ms, 30s, 5m, 1h or 7d";
    }
    if (type == Boolean.class) {
      return "true or false";
    }
    String name = type.getSimpleName().toLowerCase(java.util.Locale.ROOT);
    return ("aeiou".indexOf(name.charAt(0)) >= 0 ? "an " : "a ") + name;
  }

  /**
   * Raw settings under {@code prefix} (e.g. {@code online.hbase.properties.}), with the prefix
   * removed.
   */
  public Map<String, String> withPrefix(String prefix) {
    return values.entrySet().stream()
        .filter(e -> e.getKey().startsWith(prefix))
        .collect(
            Collectors.toMap(
                e -> e.getKey().substring(prefix.length()),
                Map.Entry::getValue,
                (a, b) -> b,
                TreeMap::new));
  }

  /**
   * Rejects keys that no known option declares, except those under a {@code properties.} segment.
   *
   * @throws IllegalArgumentException listing the unknown keys and the known ones
   */
  public QuiverConfig validate(Collection<ConfigOption<?>> known) {
    return rejectUnknown(
        known,
        k -> true,
        k -> k.contains("properties."),
        "raw client settings go under a 'properties.' prefix");
  }

  /**
   * Rejects the keys of one section (those starting with {@code section}, e.g. {@code online.})
   * that no known option declares, except raw client settings under {@code rawPrefix}; the other
   * sections are left to their modules.
   *
   * @throws IllegalArgumentException listing the unknown keys and the known ones
   */
  public QuiverConfig validateSection(
      String section, Collection<ConfigOption<?>> known, String rawPrefix, String rawClient) {
    return rejectUnknown(
        known,
        k -> k.startsWith(section),
        k -> k.startsWith(rawPrefix),
        "raw " + rawClient + " client settings go under " + rawPrefix);
  }

  private QuiverConfig rejectUnknown(
      Collection<ConfigOption<?>> known,
      java.util.function.Predicate<String> inScope,
      java.util.function.Predicate<String> raw,
      String rawHint) {
    Set<String> knownKeys = known.stream().map(ConfigOption::key).collect(Collectors.toSet());
    List<String> unknown =
        values.keySet().stream()
            .filter(k -> inScope.test(k) && !knownKeys.contains(k) && !raw.test(k))
            .sorted()
            .toList();
    if (!unknown.isEmpty()) {
      // The keys of the sections the unknown ones are in (server.prot: the server.* options),
      // not every module's (some 70 keys, in front of the "did you mean")
      Set<String> sections =
          unknown.stream().map(QuiverConfig::section).collect(Collectors.toSet());
      List<String> sameSection =
          knownKeys.stream().filter(k -> sections.contains(section(k))).sorted().toList();
      List<String> listed =
          sameSection.isEmpty() ? knownKeys.stream().sorted().toList() : sameSection;
      throw new IllegalArgumentException(
          "Unsupported options: "
              + String.join(", ", unknown)
              + " (supported: "
              + String.join(", ", listed)
              + "; "
              + rawHint
              + ")"
              + didYouMean(unknown, knownKeys));
    }
    return this;
  }

  /** The first segment of a key: {@code server} for {@code server.port}. */
  private static String section(String key) {
    int dot = key.indexOf('.');
    return dot < 0 ? key : key.substring(0, dot);
  }

  /**
   * "; did you mean server.port?" for a typo of a known key ("; did you mean server.port (for
   * server.prot)?" when several keys are unknown), else "". The list of supported keys is long; the
   * likely fix should not have to be found in it.
   */
  private static String didYouMean(List<String> unknown, Set<String> knownKeys) {
    List<String> fixes = new java.util.ArrayList<>();
    for (String k : unknown) {
      Suggestions.closest(k, knownKeys)
          .ifPresent(c -> fixes.add(unknown.size() == 1 ? c : c + " (for " + k + ")"));
    }
    return fixes.isEmpty() ? "" : "; did you mean " + String.join(", ", fixes) + "?";
  }

  @Override
  public String toString() {
    return values.toString();
  }
}
