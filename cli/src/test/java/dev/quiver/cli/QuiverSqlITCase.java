package dev.quiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code quiver sql -f}: Flink's own SQL client in embedded mode (a child JVM, because it reads
 * FLINK_CONF_DIR from the environment) against a registry that {@code quiver apply} filled.
 */
class QuiverSqlITCase extends CliTestSupport {
  @Test
  void sqlRunsAScriptAgainstTheRegistry() throws IOException {
    run("apply", dir.resolve("base.yaml").toString());
    assertThat(run("apply", spec("v1.yaml", view("v1", "a@x.com", "last_page")).toString()).code())
        .isZero();
    Path script =
        spec(
            "script.sql",
            """
            SHOW DATABASES;
            SHOW TABLES;
            DESCRIBE user_pages;
            SHOW CREATE TABLE `user_pages$v1`;
            """);
    Run r = run("sql", "-f", script.toString());
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out())
        .contains("default")
        .contains("user_pages$v1.0")
        .contains("last_page")
        .contains("PRI(user_id)")
        .contains("'quiver.owner' = 'a@x.com'")
        .contains("'quiver.ttl' = '1d'");
    Path failing = spec("failing.sql", "DESCRIBE no_such_table;\n");
    Run f = run("sql", "-f", failing.toString());
    assertThat(f.code()).isEqualTo(ExitCode.INVALID);
  }
}
