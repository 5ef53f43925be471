package dev.quiver.core.spec;

import dev.quiver.core.registry.FeatureRegistry.SpecBundle;
import dev.quiver.core.spec.SpecParser.Context;
import dev.quiver.core.spec.SpecParser.ParseResult;
import dev.quiver.core.spec.SpecParser.SpecFile;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the documents of several files into one {@link SpecBundle}: reads each document by kind,
 * resolves references between them (a view's source and entities, a service's views), runs the
 * {@link SpecValidator} rules and maps their paths back to the files' paths and lines.
 */
final class BundleAssembler {
  static final List<String> KINDS =
      List.of("feature_view", "entity", "feature_service", "kafka", "iceberg", "parquet", "jdbc");
  private static final Pattern FROM =
      Pattern.compile("\\b(?:FROM|JOIN)\\s+`?([A-Za-z_][A-Za-z0-9_]*)`?", Pattern.CASE_INSENSITIVE);

  private final Context context;
  private final List<SpecProblem> problems = new ArrayList<>();
  private final Map<String, Entity> entities = new LinkedHashMap<>();
  private final Map<String, Source> sources = new LinkedHashMap<>();
  private final Map<String, FeatureView> views = new LinkedHashMap<>();
  private final Map<String, FeatureService> services = new LinkedHashMap<>();
  private final Map<String, String> declaredAt = new LinkedHashMap<>();
  private final List<Pending<ViewDraft>> drafts = new ArrayList<>();
  private final List<Pending<FeatureService>> pendingServices = new ArrayList<>();

  private record Pending<T>(T value, Problems log, List<String> reported) {}

  BundleAssembler(Context context) {
    this.context = context;
  }

  ParseResult assemble(List<SpecFile> files) {
    List<String> fileOrder = new ArrayList<>();
    for (SpecFile file : files) {
      fileOrder.add(file.name());
      SpecTree.Parsed parsed = SpecTree.read(file.text());
      for (SpecTree.ReadProblem rp : parsed.problems()) {
        if (rp.document() >= 0) {
          continue; // added with its document, so the rules do not repeat it
        }
        problems.add(
            new SpecProblem(
                SpecProblem.Severity.ERROR,
                file.name(),
                rp.path(),
                rp.line(),
                rp.message(),
                rp.hint()));
      }
      if (parsed.documents().isEmpty() && parsed.problems().isEmpty()) {
        problems.add(
            new SpecProblem(
                SpecProblem.Severity.WARNING,
                file.name(),
                "",
                0,
                "holds no spec documents",
                "nothing to apply from it"));
      }
      for (SpecTree.Document doc : parsed.documents()) {
        int mark = problems.size();
        for (SpecTree.ReadProblem rp : parsed.problems()) {
          if (rp.document() == doc.index()) {
            problems.add(
                new SpecProblem(
                    SpecProblem.Severity.ERROR,
                    file.name(),
                    rp.path(),
                    rp.line(),
                    rp.message(),
                    rp.hint()));
          }
        }
        document(file.name(), doc, mark);
      }
    }
    for (Pending<ViewDraft> d : drafts) {
      view(d);
    }
    for (Pending<FeatureService> pending : pendingServices) {
      FeatureService svc = pending.value();
      Pending<FeatureService> s =
          svc.features().isEmpty()
                  && pending.reported().stream().anyMatch(r -> r.startsWith("features["))
              ? new Pending<>(svc, pending.log(), plus(pending.reported(), "features"))
              : pending;
      List<SpecProblem> found =
          SpecValidator.validate(
              svc,
              name ->
                  Optional.ofNullable(views.get(key(svc.namespace(), name)))
                      .or(() -> context.view(svc.namespace(), name)),
              (name, version) -> context.serviceTarget(svc.namespace(), name, version));
      addDeduplicated(s, found, p -> p);
    }
    // The rules run in two passes (each document as read, then the views and services once every
    // file is read): list the problems in file order, by file and then line (a stable sort keeps
    // the order of problems on one line).
    problems.sort(
        Comparator.comparingInt((SpecProblem p) -> fileOrder.indexOf(p.file()))
            .thenComparingInt(SpecProblem::line));
    List<SpecProblem> errors = problems.stream().filter(SpecProblem::isError).toList();
    List<SpecProblem> warnings = problems.stream().filter(p -> !p.isError()).toList();
    if (!errors.isEmpty()) {
      List<SpecProblem> all = new ArrayList<>(errors);
      all.addAll(warnings);
      throw new SpecException(all);
    }
    return new ParseResult(
        new SpecBundle(
            List.copyOf(entities.values()),
            List.copyOf(sources.values()),
            List.copyOf(views.values()),
            List.copyOf(services.values())),
        warnings);
  }

  private void document(String file, SpecTree.Document doc, int mark) {
    Problems log = new Problems(file, doc.root(), problems);
    String what = "a feature view, entity, feature service or source mapping";
    Optional<Fields> maybe = Fields.of(doc.root(), log, "", what);
    if (maybe.isEmpty()) {
      return;
    }
    Fields f = maybe.get();
    String kind = f.has("kind") ? f.text("kind") : "feature_view";
    if (kind == null) {
      return;
    }
    String ns = FeatureView.DEFAULT_NAMESPACE;
    switch (kind) {
      case "feature_view" -> {
        ViewDraft d = ViewReader.read(f, ns);
        drafts.add(new Pending<>(d, log, reportedSince(mark)));
      }
      case "entity" -> {
        Entity e = EntityReader.entity(f, ns);
        addDeduplicated(
            new Pending<>(e, log, reportedSince(mark)), SpecValidator.validate(e), p -> p);
        declare("entity", e.namespace(), e.name(), log, entities, e);
      }
      case "feature_service" -> {
        FeatureService s = EntityReader.service(f, ns);
        pendingServices.add(new Pending<>(s, log, reportedSince(mark)));
        declare("feature service", s.namespace(), s.name(), log, services, s);
      }
      case "kafka", "iceberg", "parquet", "jdbc" -> {
        Source s = SourceReader.read(f, ns);
        addDeduplicated(
            new Pending<>(s, log, reportedSince(mark)), SpecValidator.validate(s), p -> p);
        declare("source", s.namespace(), s.name(), log, sources, s);
      }
      case "source" ->
          log.error(
              "kind",
              "'source' is not a document kind on its own: a source document's kind is its connector",
              "write kind: kafka (or iceberg, parquet, jdbc)");
      default ->
          log.error(
              "kind",
              "'" + kind + "' is not a document kind",
              Suggestions.closest(kind, KINDS).map(c -> "did you mean " + c + "? ").orElse("")
                  + "Kinds: "
                  + String.join(", ", KINDS));
    }
  }

  private <T> void declare(
      String what, String ns, String name, Problems log, Map<String, T> into, T value) {
    if (name.isEmpty()) {
      return;
    }
    String k = key(ns, name);
    String here = log.file() + ":" + log.line("name");
    String first = declaredAt.putIfAbsent(what + "/" + k, here);
    if (first != null) {
      log.error(
          "name",
          "duplicate " + what + " '" + name + "' (first declared at " + first + ")",
          what.equals("feature view")
              ? "keep one declaration (one spec per view in an apply; the registry keeps the older"
                  + " versions), or rename one"
              : "keep one declaration, or rename one");
    } else {
      into.put(k, value);
    }
  }

  private void view(Pending<ViewDraft> pending) {
    ViewDraft d = pending.value();
    Problems log = pending.log();
    String ns = d.namespace();
    Source source = d.inlineSource();
    String byName = d.sourceName();
    if (d.features().isEmpty()
        && pending.reported().stream().anyMatch(r -> r.startsWith("features["))) {
      // Every feature entry was broken and reported; "no features" would only repeat it.
      pending = new Pending<>(d, log, plus(pending.reported(), "features"));
    }
    if (byName != null) {
      source =
          Optional.ofNullable(sources.get(key(ns, byName)))
              .or(() -> context.source(ns, byName))
              .orElse(null);
      if (source == null) {
        pending = new Pending<>(d, log, plus(pending.reported(), "source"));
        List<String> names =
            java.util.stream.Stream.concat(
                    sources.values().stream()
                        .filter(s -> s.namespace().equals(ns))
                        .map(Source::name),
                    context.sourceNames(ns).stream())
                .distinct()
                .toList();
        log.error(
            "source",
            "'" + byName + "' is not a declared source",
            Suggestions.closest(byName, names).map(c -> "did you mean " + c + "? ").orElse("")
                + "declare it in a document with kind: kafka (or iceberg, parquet, jdbc)"
                + (names.isEmpty() ? "" : ". Sources: " + String.join(", ", names)));
      }
    } else if (source == null && !d.transformations().isEmpty()) {
      source = inferSource(d, log);
    }
    if (source == null && d.watermarkDelay() != null) {
      log.error(
          d.keyAliases().get("watermark_delay"),
          "set on a view without a source (it would be ignored)",
          "declare the source (source: <name>) or remove it");
    }
    FeatureView view = d.build(source);
    boolean sourceIsShared = byName != null || d.inlineSource() == null;
    List<SpecProblem> found =
        SpecValidator.validate(
            view,
            name ->
                Optional.ofNullable(entities.get(key(ns, name))).or(() -> context.entity(ns, name)),
            entityNames(ns));
    if (sourceIsShared) {
      // A shared source's own problems are reported once, on its document.
      found = found.stream().filter(p -> !p.path().startsWith("source.")).toList();
    }
    addDeduplicated(pending, found, d::toSpecPath);
    if (!d.name().isEmpty()) {
      // One spec per view per apply (the registry versions it); a new major replaces the old one.
      declare("feature view", ns, d.name(), log, views, view);
    }
    if (d.featureService() != null) {
      addToService(view, d.featureService(), log);
    }
  }

  /** A view without {@code source:} whose SQL reads a declared source uses that source. */
  private Source inferSource(ViewDraft d, Problems log) {
    Set<String> read = new LinkedHashSet<>();
    for (Transformation t : d.transformations()) {
      Matcher m = FROM.matcher(TransformationLint.stripComments(t.code()));
      while (m.find()) {
        read.add(m.group(1));
      }
    }
    for (String name : read) {
      Optional<Source> s =
          Optional.ofNullable(sources.get(key(d.namespace(), name)))
              .or(() -> context.source(d.namespace(), name));
      if (s.isPresent()) {
        return s.get();
      }
    }
    log.warn(
        "source",
        "no source declared"
            + (read.isEmpty()
                ? ""
                : "; the transformation reads " + String.join(", ", read) + ", not declared here"),
        "declare the source (a document with kind: kafka, name, schema, event_time_field, options) and add source: <its name>,"
            + " so that lineage, event time and dedup are known");
    return null;
  }

  /** {@code feature_service: fraud_model} on a view adds all its features, pinned to its major. */
  private void addToService(FeatureView view, String serviceName, Problems log) {
    if (!Names.valid(serviceName)) {
      log.error(
          "feature_service",
          "'" + serviceName + "' is not a valid feature service name (" + Names.RULE + ")",
          "e.g. " + Names.suggest(serviceName));
      return;
    }
    String k = key(view.namespace(), serviceName);
    FeatureService existing = services.get(k);
    List<FeatureRef> refs = new ArrayList<>(existing == null ? List.of() : existing.features());
    for (Feature f : view.features()) {
      FeatureRef ref = new FeatureRef(view.name(), "v" + view.version().major(), f.name());
      if (!refs.contains(ref)) {
        refs.add(ref);
      }
    }
    services.put(
        k,
        existing == null
            ? new FeatureService(view.namespace(), serviceName, refs, view.owner(), "", Map.of())
            : new FeatureService(
                existing.namespace(),
                existing.name(),
                refs,
                existing.owner(),
                existing.description(),
                existing.tags()));
  }

  /**
   * Adds problems found on a model, dropping those at (or under) a path the reader already reported
   * for the same document, and repeats: the features that {@code windows: [1h, 1d]} expands to map
   * back to one author path, so a wrong column would otherwise be reported once per window. One
   * cause, one message.
   */
  private void addDeduplicated(
      Pending<?> pending,
      List<SpecProblem> found,
      java.util.function.UnaryOperator<String> rewrite) {
    List<String> reported = pending.reported();
    List<SpecProblem> kept = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (SpecProblem p : found) {
      String path = rewrite.apply(p.path());
      if (!seen.add(p.severity() + "\n" + path + "\n" + p.message() + "\n" + p.hint())) {
        continue;
      }
      boolean dup =
          reported.stream()
              .anyMatch(
                  r ->
                      r.equals(path)
                          || (!r.isEmpty()
                              && (path.startsWith(r + ".") || path.startsWith(r + "["))));
      if (!dup) {
        kept.add(p);
      }
    }
    pending.log().addAll(kept, rewrite);
  }

  private static List<String> plus(List<String> list, String item) {
    List<String> out = new ArrayList<>(list);
    out.add(item);
    return out;
  }

  private List<String> reportedSince(int mark) {
    return problems.subList(mark, problems.size()).stream()
        .filter(SpecProblem::isError)
        .map(SpecProblem::path)
        .toList();
  }

  /** The entities of namespace {@code ns}: the bundle's, then the context's (the registry's). */
  private List<String> entityNames(String ns) {
    Set<String> names = new LinkedHashSet<>();
    entities.values().stream()
        .filter(e -> e.namespace().equals(ns))
        .forEach(e -> names.add(e.name()));
    names.addAll(context.entityNames(ns));
    return List.copyOf(names);
  }

  private static String key(String ns, String name) {
    return ns + "." + name;
  }
}
