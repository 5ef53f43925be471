package dev.quiver.jobs.plan;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SafeExpressionTest {

  @Test
  void guardsTheDivisorAndTheModulus() {
    assertThat(SafeExpression.rewrite("amount_cents / items"))
        .isEqualTo("amount_cents / NULLIF(items, 0)");
    assertThat(SafeExpression.rewrite("a%b")).isEqualTo("a%NULLIF(b, 0)");
    assertThat(SafeExpression.rewrite("MOD(a, b + 1)")).isEqualTo("MOD(a, NULLIF(b + 1, 0))");
    assertThat(SafeExpression.rewrite("mod(f(a, b), g(c, d))"))
        .isEqualTo("mod(f(a, b), NULLIF(g(c, d), 0))");
  }

  @Test
  void aNonZeroNumberLiteralDivisorIsKept() {
    assertThat(SafeExpression.rewrite("amount / 100 + x % 7")).isEqualTo("amount / 100 + x % 7");
    assertThat(SafeExpression.rewrite("a / 1.5e2")).isEqualTo("a / 1.5e2");
    assertThat(SafeExpression.rewrite("a / 0")).isEqualTo("a / NULLIF(0, 0)");
    assertThat(SafeExpression.rewrite("a / 0.0 + b / -2"))
        .isEqualTo("a / NULLIF(0.0, 0) + b / NULLIF(-2, 0)");
  }

  @Test
  void theDivisorIsOneTermAtTheDivisionsPrecedence() {
    assertThat(SafeExpression.rewrite("a / b + c")).isEqualTo("a / NULLIF(b, 0) + c");
    assertThat(SafeExpression.rewrite("a / b * c")).isEqualTo("a / NULLIF(b, 0) * c");
    assertThat(SafeExpression.rewrite("a / -b.c[1] > 2")).isEqualTo("a / NULLIF(-b.c[1], 0) > 2");
    assertThat(SafeExpression.rewrite("a / (b - c) / d"))
        .isEqualTo("a / NULLIF((b - c), 0) / NULLIF(d, 0)");
    assertThat(SafeExpression.rewrite("a / (b / c)"))
        .isEqualTo("a / NULLIF((b / NULLIF(c, 0)), 0)");
    assertThat(SafeExpression.rewrite("x / CASE WHEN y > 0 THEN y ELSE z END + 1"))
        .isEqualTo("x / NULLIF(CASE WHEN y > 0 THEN y ELSE z END, 0) + 1");
    assertThat(SafeExpression.rewrite("MOD(a, x / y)"))
        .isEqualTo("MOD(a, NULLIF(x / NULLIF(y, 0), 0))");
    assertThat(SafeExpression.rewrite("1/COALESCE(n,0)")).isEqualTo("1/NULLIF(COALESCE(n,0), 0)");
  }

  @Test
  void backtickedIdentifiersAndStringLiteralsAreKeptAsWritten() {
    assertThat(SafeExpression.rewrite("`amount/cents` / `n``items`"))
        .isEqualTo("`amount/cents` / NULLIF(`n``items`, 0)");
    assertThat(SafeExpression.rewrite("CONCAT(a, '/', 'it''s % 5 / 0')"))
        .isEqualTo("CONCAT(a, '/', 'it''s % 5 / 0')");
    assertThat(SafeExpression.rewrite("path LIKE '%/x%'")).isEqualTo("path LIKE '%/x%'");
    assertThat(SafeExpression.rewrite("a /* per item */ / b -- the mean"))
        .isEqualTo("a /* per item */ / NULLIF(b, 0) -- the mean");
    assertThat(SafeExpression.rewrite("`cast`(x) + t.`mod`")).isEqualTo("`cast`(x) + t.`mod`");
  }

  @Test
  void castBecomesTryCast() {
    assertThat(SafeExpression.rewrite("CAST(code AS BIGINT) * 2"))
        .isEqualTo("TRY_CAST(code AS BIGINT) * 2");
    assertThat(SafeExpression.rewrite("cast(cast(a AS STRING) AS INT) / n"))
        .isEqualTo("TRY_cast(TRY_cast(a AS STRING) AS INT) / NULLIF(n, 0)");
    assertThat(SafeExpression.rewrite("TRY_CAST(code AS BIGINT)"))
        .isEqualTo("TRY_CAST(code AS BIGINT)");
  }

  @Test
  void anExpressionWithoutTheseOperatorsIsUnchanged() {
    for (String e :
        new String[] {
          "NOT card_present", "amount_usd * 100", "a - b", "UPPER(country)", "x > 1 AND y < 2"
        }) {
      assertThat(SafeExpression.rewrite(e)).isSameAs(e);
    }
    assertThat(SafeExpression.rewrite("a / 'unterminated")).isEqualTo("a / 'unterminated");
  }
}
