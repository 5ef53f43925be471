package dev.quiver.core.spec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.quiver.core.config.YamlMessages;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A spec document as a tree that remembers, for every node, the 1-based line it starts on, and for
 * every scalar the text exactly as written ({@code pii: no} stays {@code "no"} even where YAML
 * would read a boolean). Built from Jackson's streaming tokens, so YAML (multi-document) and JSON
 * share one path; Jackson's tree model would lose both the lines and the scalar text.
 */
final class SpecTree {
  private SpecTree() {}

  /** Whether {@code n} could not be read and was reported already. */
  static boolean unreadable(Node n) {
    return n instanceof ScalarNode s && s.type() == ScalarNode.Type.INVALID;
  }

  /** A node of the tree. */
  sealed interface Node permits MapNode, ListNode, ScalarNode {
    int line();

    /** What the node is, for error messages: "a mapping", "a list", "a number" ... */
    String describe();
  }

  /** A mapping, keys in file order. */
  record MapNode(Map<String, Node> fields, Map<String, Integer> keyLines, int line)
      implements Node {
    @Override
    public String describe() {
      return "a mapping";
    }
  }

  /** A sequence. */
  record ListNode(List<Node> items, int line) implements Node {
    @Override
    public String describe() {
      return "a list";
    }
  }

  /** A scalar and its source text. */
  record ScalarNode(String text, Type type, int line) implements Node {
    enum Type {
      STRING,
      INTEGER,
      FLOAT,
      BOOL,
      NULL,
      /** Could not be read (an alias); already reported, so readers skip it silently. */
      INVALID
    }

    @Override
    public String describe() {
      return switch (type) {
        case STRING -> "the text '" + text + "'";
        case INTEGER, FLOAT -> "the number " + text;
        case BOOL -> "the boolean " + text;
        case NULL -> "null";
        case INVALID -> "unreadable";
      };
    }
  }

  /** A document of a file: its root node and its 0-based index in the file. */
  record Document(int index, Node root) {}

  /**
   * A syntax error, duplicate key or alias found while reading.
   *
   * @param document index of the document it is in; -1 for the file as a whole
   */
  record ReadProblem(int document, int line, String path, String message, String hint) {}

  /** The documents of one file, and what could not be read. */
  record Parsed(List<Document> documents, List<ReadProblem> problems) {}

  private static final YAMLFactory YAML = new YAMLFactory();
  private static final JsonFactory JSON = new JsonFactory();

  /**
   * Reads every document of {@code text}. Text whose first non-blank character is <code>{</code> or
   * {@code [} is read as JSON (JSON is YAML, but a JSON body indented with tabs is not).
   */
  static Parsed read(String text) {
    List<Document> docs = new ArrayList<>();
    List<ReadProblem> problems = new ArrayList<>();
    String t = text.stripLeading();
    boolean json = t.startsWith("{") || t.startsWith("[");
    try (JsonParser p = json ? JSON.createParser(text) : YAML.createParser(text)) {
      JsonToken tok;
      while ((tok = p.nextToken()) != null) {
        Node root = readNode(p, tok, "", docs.size(), problems);
        if (!(root instanceof ScalarNode s && s.type() == ScalarNode.Type.NULL)) {
          docs.add(new Document(docs.size(), root));
        }
      }
    } catch (JsonProcessingException e) {
      int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
      problems.add(
          new ReadProblem(
              -1,
              Math.max(line, 0),
              "",
              "not valid "
                  + (json ? "JSON" : "YAML")
                  + ": "
                  + YamlMessages.concise(e.getOriginalMessage()),
              json
                  ? "check brackets, commas and quotes near this line"
                  : "check the indentation (spaces, not tabs) and quoting near this line"));
    } catch (IOException e) {
      problems.add(new ReadProblem(-1, 0, "", "could not read: " + e.getMessage(), ""));
    }
    return new Parsed(docs, problems);
  }

  private static Node readNode(
      JsonParser p, JsonToken tok, String path, int doc, List<ReadProblem> out) throws IOException {
    int line = p.currentTokenLocation().getLineNr();
    if (p instanceof YAMLParser y && y.isCurrentAlias()) {
      // Jackson's streaming YAML parser does not resolve aliases; say so rather than misread.
      out.add(
          new ReadProblem(
              doc,
              line,
              path,
              "the YAML alias *" + p.getText() + " is not supported",
              "write the value out in full (anchors and aliases are not expanded)"));
      return new ScalarNode("", ScalarNode.Type.INVALID, line);
    }
    switch (tok) {
      case START_OBJECT -> {
        Map<String, Node> fields = new LinkedHashMap<>();
        Map<String, Integer> keyLines = new LinkedHashMap<>();
        int first = -1;
        while ((tok = p.nextToken()) == JsonToken.FIELD_NAME) {
          String key = p.currentName();
          int keyLine = p.currentTokenLocation().getLineNr();
          first = first < 0 ? keyLine : first;
          String childPath = path.isEmpty() ? key : path + "." + key;
          Node value = readNode(p, p.nextToken(), childPath, doc, out);
          if (fields.containsKey(key)) {
            out.add(
                new ReadProblem(
                    doc,
                    keyLine,
                    childPath,
                    "duplicate key '" + key + "' (first on line " + keyLines.get(key) + ")",
                    "keep one of the two entries"));
          } else {
            fields.put(key, value);
            keyLines.put(key, keyLine);
          }
        }
        return new MapNode(
            Collections.unmodifiableMap(fields),
            Collections.unmodifiableMap(keyLines),
            first > 0 ? first : line);
      }
      case START_ARRAY -> {
        List<Node> items = new ArrayList<>();
        while ((tok = p.nextToken()) != JsonToken.END_ARRAY) {
          items.add(readNode(p, tok, path + "[" + items.size() + "]", doc, out));
        }
        return new ListNode(List.copyOf(items), line);
      }
      case VALUE_STRING -> {
        return new ScalarNode(p.getText(), ScalarNode.Type.STRING, line);
      }
      case VALUE_NUMBER_INT -> {
        return new ScalarNode(p.getText(), ScalarNode.Type.INTEGER, line);
      }
      case VALUE_NUMBER_FLOAT -> {
        return new ScalarNode(p.getText(), ScalarNode.Type.FLOAT, line);
      }
      case VALUE_TRUE, VALUE_FALSE -> {
        return new ScalarNode(p.getText(), ScalarNode.Type.BOOL, line);
      }
      case VALUE_NULL -> {
        return new ScalarNode(p.getText(), ScalarNode.Type.NULL, line);
      }
      default -> throw new IOException("unexpected token " + tok + " at line " + line);
    }
  }

  /**
   * The 1-based line of {@code path} ({@code features[1].aggregation.windows[0]}): the line of its
   * key for a mapping entry, of the item for a list element. When the path goes further than the
   * tree (a missing field), the line of the deepest node on the way.
   */
  static int line(Node root, String path) {
    Node node = root;
    int line = root.line();
    if (path == null || path.isEmpty()) {
      return line;
    }
    for (String part : path.split("\\.")) {
      String key = part;
      List<Integer> indexes = new ArrayList<>();
      int b = part.indexOf('[');
      // Only "key[0][1]" is an indexed step; a key that merely contains '[' (a typo such as
      // "features[") is a plain key.
      if (b >= 0 && part.endsWith("]")) {
        key = part.substring(0, b);
        for (String ix : part.substring(b + 1, part.length() - 1).split("\\]\\[")) {
          try {
            indexes.add(Integer.parseInt(ix));
          } catch (NumberFormatException e) {
            return line;
          }
        }
      }
      if (!key.isEmpty()) {
        if (!(node instanceof MapNode m) || !m.fields().containsKey(key)) {
          return line;
        }
        line = m.keyLines().get(key);
        node = m.fields().get(key);
      }
      for (int ix : indexes) {
        if (!(node instanceof ListNode l) || ix >= l.items().size()) {
          return line;
        }
        node = l.items().get(ix);
        line = node.line();
      }
    }
    return line;
  }
}
