package dev.quiver.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every relative link of the user's guide (README.md and docs/*.md) points to a file that exists
 * and, with a {@code #fragment}, to a heading of that page, using GitHub's anchor rule (lower case;
 * punctuation other than '-' and '_' dropped; spaces to '-'; a repeated heading gets -1, -2, ...).
 */
class DocsLinksTest {
  private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
  private static final Pattern HEADING = Pattern.compile("^(#{1,6})\\s+(.*?)\\s*#*\\s*$");

  @Test
  void everyRelativeLinkAndAnchorResolves() throws IOException {
    Path root = repoRoot();
    List<Path> pages = new ArrayList<>();
    pages.add(root.resolve("README.md"));
    try (Stream<Path> docs = Files.list(root.resolve("docs"))) {
      docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
    }
    List<String> broken = new ArrayList<>();
    for (Path page : pages) {
      int lineNo = 0;
      for (String line : prose(page)) {
        lineNo++;
        if (line == null) {
          continue;
        }
        Matcher m = LINK.matcher(line.replaceAll("`[^`]*`", ""));
        while (m.find()) {
          String target = m.group(1);
          if (target.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
            continue; // http:, https:, mailto:
          }
          int hash = target.indexOf('#');
          String file = hash < 0 ? target : target.substring(0, hash);
          String anchor = hash < 0 ? null : target.substring(hash + 1);
          Path resolved = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
          String where = root.relativize(page) + ":" + lineNo + ": " + target;
          if (!Files.exists(resolved)) {
            broken.add(where + " (no such file)");
          } else if (anchor != null
              && resolved.toString().endsWith(".md")
              && !anchors(resolved).contains(anchor)) {
            broken.add(where + " (no such heading; anchors: " + anchors(resolved) + ")");
          }
        }
      }
    }
    assertThat(broken).as("broken links in the user's guide").isEmpty();
  }

  @Test
  void anchorsFollowGitHubsRule() {
    assertThat(slug("`quiver apply PATH [--dry-run]`")).isEqualTo("quiver-apply-path---dry-run");
    assertThat(slug("Reading a view's rows: `view$offline`"))
        .isEqualTo("reading-a-views-rows-viewoffline");
    assertThat(slug("Semantics (identical online and offline)"))
        .isEqualTo("semantics-identical-online-and-offline");
  }

  /** The page's lines, with the lines of fenced code blocks (and the fences) as null. */
  private static List<String> prose(Path page) {
    List<String> out = new ArrayList<>();
    boolean inCode = false;
    for (String line : read(page).split("\n", -1)) {
      if (line.startsWith("```")) {
        inCode = !inCode;
        out.add(null);
      } else {
        out.add(inCode ? null : line);
      }
    }
    return out;
  }

  private static Set<String> anchors(Path page) {
    Set<String> out = new HashSet<>();
    Map<String, Integer> seen = new HashMap<>();
    for (String line : prose(page)) {
      Matcher m = line == null ? null : HEADING.matcher(line);
      if (m != null && m.matches()) {
        String s = slug(m.group(2));
        int n = seen.merge(s, 1, Integer::sum) - 1;
        out.add(n == 0 ? s : s + "-" + n);
      }
    }
    return out;
  }

  static String slug(String heading) {
    return heading
        .replace("`", "")
        .strip()
        .toLowerCase(Locale.ROOT)
        .replaceAll("[^\\p{L}\\p{N}_\\- ]", "")
        .replace(' ', '-');
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path repoRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isRegularFile(dir.resolve("docs").resolve("README.md"))) {
      dir = dir.getParent();
    }
    assertThat(dir).as("a directory above the module holding docs/README.md").isNotNull();
    return dir;
  }
}
