// Table-driven tests of the PromQL parser: canonical printing of valid queries, error text of invalid ones.
#include <gtest/gtest.h>

#include "query/promql/functions.h"
#include "query/promql/parser.h"

namespace foresight::query::promql {
namespace {

struct Valid {
  const char* input;
  const char* canonical;
};

const Valid kValid[] = {
    // Literals.
    {"1", "1"},
    {"+5", "5"},
    {"-5", "-5"},
    {".5", "0.5"},
    {"5.", "5"},
    {"1e3", "1000"},
    {"1e6", "1e+06"},
    {"1.5e-5", "1.5e-05"},
    {"0x1F", "31"},
    {"010", "8"},
    {"Inf", "+Inf"},
    {"-inf", "-Inf"},
    {"NaN", "NaN"},
    {"123456", "123456"},
    {"1234567", "1.234567e+06"},
    {"\"double\"", "\"double\""},
    {"'single'", "\"single\""},
    {"`raw\\n`", "\"raw\\\\n\""},
    {"\"a\\\"b\\n\\t\\x41\\u00e9\"", "\"a\\\"b\\n\\tAé\""},
    {"'it\\'s'", "\"it's\""},
    // Selectors.
    {"foo", "foo"},
    {"foo:bar:baz", "foo:bar:baz"},
    {"foo{}", "foo"},
    {"foo{a=\"b\"}", "foo{a=\"b\"}"},
    {"foo{b=\"1\", a!=\"2\", c=~\"x.*\", d!~'y',}", "foo{a!=\"2\",b=\"1\",c=~\"x.*\",d!~\"y\"}"},
    {"{__name__=\"foo\"}", "{__name__=\"foo\"}"},
    {"{__name__=~\"foo|bar\"}", "{__name__=~\"foo|bar\"}"},
    {"foo offset 5m", "foo offset 5m"},
    {"foo offset -5m", "foo offset -5m"},
    {"foo offset 1h30m", "foo offset 1h30m"},
    {"foo offset 90m", "foo offset 1h30m"},
    {"foo offset 7d", "foo offset 1w"},
    {"foo offset 365d", "foo offset 1y"},
    {"foo offset 8d", "foo offset 8d"},
    {"foo[5m]", "foo[5m]"},
    {"foo[1500ms]", "foo[1s500ms]"},
    {"foo[5m] offset 1m", "foo[5m] offset 1m"},
    {"foo @ 100", "foo @ 100.000"},
    {"foo @ 1.5", "foo @ 1.500"},
    {"foo @ -10", "foo @ -10.000"},
    {"foo @ start()", "foo @ start()"},
    {"foo @ end() offset 5m", "foo @ end() offset 5m"},
    {"foo offset 5m @ 10", "foo @ 10.000 offset 5m"},
    {"foo[5m] @ 10 offset 1m", "foo[5m] @ 10.000 offset 1m"},
    {"sum by (a) (foo)", "sum by (a) (foo)"},
    // Subqueries.
    {"foo[5m:1m]", "foo[5m:1m]"},
    {"foo[5m:]", "foo[5m:]"},
    {"rate(foo[5m])[1h:5m] offset 10m", "rate(foo[5m])[1h:5m] offset 10m"},
    {"(foo + bar)[5m:] @ 100", "(foo + bar)[5m:] @ 100.000"},
    // Operators and precedence.
    {"1 + 2 * 3", "1 + 2 * 3"},
    {"(1 + 2) * 3", "(1 + 2) * 3"},
    {"2 ^ 3 ^ 2", "2 ^ 3 ^ 2"},
    {"-foo", "-foo"},
    {"-foo ^ 2", "-foo ^ 2"},
    {"-(foo)", "-(foo)"},
    {"foo + bar or baz and qux unless quux", "foo + bar or baz and qux unless quux"},
    {"foo > bool 1", "foo > bool 1"},
    {"1 == bool 1", "1 == bool 1"},
    {"foo == on (a, b) bar", "foo == on (a, b) bar"},
    {"foo * ignoring (a) group_left (b) bar", "foo * ignoring (a) group_left (b) bar"},
    {"foo * on (a) group_right bar", "foo * on (a) group_right () bar"},
    {"foo and on () bar", "foo and on () bar"},
    {"foo atan2 bar", "foo atan2 bar"},
    {"foo AND bar", "foo and bar"},
    {"foo # comment\n + bar", "foo + bar"},
    // Aggregations.
    {"sum(foo)", "sum(foo)"},
    {"SUM(foo)", "sum(foo)"},
    {"sum(foo) by (a, b)", "sum by (a, b) (foo)"},
    {"sum without (a) (foo)", "sum without (a) (foo)"},
    {"sum without () (foo)", "sum without () (foo)"},
    {"sum by () (foo)", "sum(foo)"},
    {"topk(3, foo)", "topk(3, foo)"},
    {"quantile(0.9, foo) by (job)", "quantile by (job) (0.9, foo)"},
    {"count_values(\"v\", foo)", "count_values(\"v\", foo)"},
    {"group(foo)", "group(foo)"},
    {"stddev(foo)", "stddev(foo)"},
    // Functions.
    {"rate(foo[5m])", "rate(foo[5m])"},
    {"time()", "time()"},
    {"pi()", "pi()"},
    {"hour()", "hour()"},
    {"round(foo)", "round(foo)"},
    {"round(foo, 5)", "round(foo, 5)"},
    {"label_join(foo, \"d\", \",\", \"a\", \"b\")", "label_join(foo, \"d\", \",\", \"a\", \"b\")"},
    {"label_replace(foo, \"d\", \"$1\", \"s\", \"(.*)\")",
     "label_replace(foo, \"d\", \"$1\", \"s\", \"(.*)\")"},
    {"histogram_quantile(0.9, rate(foo_bucket[5m]))", "histogram_quantile(0.9, rate(foo_bucket[5m]))"},
    {"holt_winters(foo[10m], 0.5, 0.5)", "holt_winters(foo[10m], 0.5, 0.5)"},
    {"quantile_over_time(0.5, foo[5m])", "quantile_over_time(0.5, foo[5m])"},
    {"absent(nonexistent{job=\"x\"})", "absent(nonexistent{job=\"x\"})"},
    {"scalar(foo) + vector(1)", "scalar(foo) + vector(1)"},
    {"sum_over_time(rate(foo[1m])[5m:])", "sum_over_time(rate(foo[1m])[5m:])"},
    {"1 + -2", "1 + -2"},
};

TEST(PromqlParser, CanonicalPrinting) {
  for (const auto& c : kValid) {
    auto e = ParseExpr(c.input);
    ASSERT_TRUE(e.ok()) << c.input << ": " << e.status();
    EXPECT_EQ((*e)->String(), c.canonical) << c.input;
    // Printing is a fixed point.
    auto again = ParseExpr((*e)->String());
    ASSERT_TRUE(again.ok()) << (*e)->String() << ": " << again.status();
    EXPECT_EQ((*again)->String(), c.canonical);
  }
}

TEST(PromqlParser, Precedence) {
  auto e = ParseExpr("a + b * c");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->op, BinOp::kAdd);
  EXPECT_EQ((*e)->rhs->op, BinOp::kMul);
  e = ParseExpr("a - b - c");  // left associative
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->lhs->kind, ExprKind::kBinary);
  e = ParseExpr("a ^ b ^ c");  // right associative
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->rhs->kind, ExprKind::kBinary);
  e = ParseExpr("a or b and c");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->op, BinOp::kOr);
  e = ParseExpr("a and b == c");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->op, BinOp::kAnd);
  e = ParseExpr("-a * b");  // unary binds tighter than *
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->op, BinOp::kMul);
  EXPECT_EQ((*e)->lhs->kind, ExprKind::kUnary);
  e = ParseExpr("-a ^ b");  // but looser than ^
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->kind, ExprKind::kUnary);
  e = ParseExpr("a and b");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->matching->card, Cardinality::kManyToMany);
}

TEST(PromqlParser, ValuesAndTypes) {
  auto e = ParseExpr("foo @ 1.2345 offset -1m");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->at_ms, 1235);
  EXPECT_EQ((*e)->offset_ms, -60000);
  EXPECT_EQ((*ParseExpr("rate(x[1m])"))->Type(), ValueType::kVector);
  EXPECT_EQ((*ParseExpr("x[1m]"))->Type(), ValueType::kMatrix);
  EXPECT_EQ((*ParseExpr("x[1m:]"))->Type(), ValueType::kMatrix);
  EXPECT_EQ((*ParseExpr("1 + time()"))->Type(), ValueType::kScalar);
  EXPECT_EQ((*ParseExpr("\"s\""))->Type(), ValueType::kString);
  EXPECT_EQ((*ParseExpr("1 + x"))->Type(), ValueType::kVector);
  auto m = ParseMetricSelector("up{job=\"a\"}");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->size(), 2u);
}

struct Invalid {
  const char* input;
  const char* error;
};

// Every message and position below is what Prometheus 2.42 answers (checked against the Debian package's
// /api/v1/query; the differential test re-checks a subset against the running binary).
const Invalid kInvalid[] = {
    {"", "1:1: parse error: no expression found in input"},
    {"1 +", "1:4: parse error: unexpected end of input"},
    {"foo{", "1:5: parse error: unexpected end of input inside braces"},
    {"foo{a=\"b\"", "1:10: parse error: unexpected end of input inside braces"},
    {"foo{a=b}", "1:7: parse error: unexpected identifier \"b\" in label matching, expected string"},
    {"foo[5m", "1:7: parse error: unclosed left bracket"},
    {"foo]", "1:4: parse error: unexpected right bracket ']'"},
    {"foo}", "1:4: parse error: unexpected character: '}'"},
    {"1 + (", "1:6: parse error: unclosed left parenthesis"},
    {"rate(foo)",
     "1:6: parse error: expected type range vector in call to function \"rate\", got instant vector"},
    {"rate(foo[5m], 1)", "1:1: parse error: expected 1 argument(s) in call to \"rate\", got 2"},
    {"round()", "1:1: parse error: expected at least 1 argument(s) in call to \"round\", got 0"},
    {"round(foo, 1, 2)", "1:1: parse error: expected at most 2 argument(s) in call to \"round\", got 3"},
    {"label_join(foo)", "1:1: parse error: expected at least 3 argument(s) in call to \"label_join\", got 1"},
    {"nosuchfunc(foo)", "1:1: parse error: unknown function with name \"nosuchfunc\""},
    {"sum(foo[5m])",
     "1:5: parse error: expected type instant vector in aggregation expression, got range vector"},
    {"topk(foo, bar)", "1:6: parse error: expected type scalar in aggregation parameter, got instant vector"},
    {"count_values(1, foo)", "1:14: parse error: expected type string in aggregation parameter, got scalar"},
    {"topk(foo)",
     "1:1: parse error: wrong number of arguments for aggregate expression provided, expected 2, got 1"},
    {"1 > 2", "1:3: parse error: comparisons between scalars must use BOOL modifier"},
    {"foo + bool bar", "1:5: parse error: bool modifier can only be used on comparison operators"},
    {"1 and foo", "1:1: parse error: set operator \"and\" not allowed in binary scalar expression"},
    {"foo and on (a) group_left bar", "1:1: parse error: no grouping allowed for \"and\" operation"},
    {"1 + on (a) foo", "1:1: parse error: vector matching only allowed between instant vectors"},
    {"foo * on (a) group_left (a) bar",
     "1:5: parse error: label \"a\" must not occur in ON and GROUP clause at once"},
    {"foo[5m] + 1", "1:1: parse error: binary expression must contain only scalar and instant vector types"},
    {"{}", "1:1: parse error: vector selector must contain at least one non-empty matcher"},
    {"{a=\"\"}", "1:1: parse error: vector selector must contain at least one non-empty matcher"},
    {"foo{__name__=\"bar\"}", "1:1: parse error: metric name must not be set twice: \"foo\" or \"bar\""},
    {"(foo)[5m]", "1:6: parse error: ranges only allowed for vector selectors"},
    {"(foo) offset 5m",
     "1:1: parse error: offset modifier must be preceded by an instant vector selector or range vector "
     "selector or a subquery"},
    {"foo offset 5m offset 5m", "1:1: parse error: offset may not be set multiple times"},
    {"foo @ 1 @ 2", "1:1: parse error: @ <timestamp> may not be set multiple times"},
    {"foo @ Inf", "1:1: parse error: timestamp out of bounds for @ modifier: +Inf"},
    {"-\"s\"",
     "1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got "
     "\"string\""},
    {"foo[5m][1m:]", "1:1: parse error: subquery is only allowed on instant vector, got matrix instead"},
    {"foo{a=~\"(\"}", "1:5: parse error: error parsing regexp: missing closing ): `^(?:()$`"},
    {"\"unterminated", "1:1: parse error: unterminated quoted string"},
    {"foo ?", "1:5: parse error: unexpected character: '?'"},
    {"1 + 2)", "1:7: parse error: unexpected right parenthesis ')'"},
    {"sum(foo) by (a) (bar)", "1:17: parse error: unexpected \"(\""},
    {"(1 + 2", "1:7: parse error: unclosed left parenthesis"},
    {"foo[5]", "1:5: parse error: missing unit character in duration"},
    {"sum by (a", "1:10: parse error: unclosed left parenthesis"},
    {"sum by (a b) (foo)",
     "1:11: parse error: unexpected identifier \"b\" in grouping opts, expected \",\" or \")\""},
    {"foo bar", "1:5: parse error: unexpected identifier \"bar\""},
    {"5m", "1:1: parse error: unexpected duration \"5m\""},
    {"foo offset 5", "1:12: parse error: unexpected number \"5\" in offset, expected duration"},
    {"on", "1:1: parse error: unexpected <on>"},
    {"12abc", "1:1: parse error: bad number or duration syntax: \"12\""},
    {"foo(", "1:5: parse error: unclosed left parenthesis"},
    {"sum by (a)", "1:11: parse error: unexpected end of input in aggregation"},
    {"rate(up)",
     "1:6: parse error: expected type range vector in call to function \"rate\", got instant vector"},
    {"sum(", "1:5: parse error: unclosed left parenthesis"},
    {"up{", "1:4: parse error: unexpected end of input inside braces"},
    {"up[5m", "1:6: parse error: unclosed left bracket"},
    {"rate(up[5m]) by (x)", "1:14: parse error: unexpected <by>"},
    {"sum by (", "1:9: parse error: unclosed left parenthesis"},
    {"up{a=}", "1:6: parse error: unexpected \"}\" in label matching, expected string"},
    {"rate(up[5m]", "1:12: parse error: unclosed left parenthesis"},
    {")", "1:2: parse error: unexpected right parenthesis ')'"},
    {"up offset", "1:10: parse error: unexpected end of input in offset, expected duration"},
    {"up[5m:", "1:7: parse error: unclosed left bracket"},
    {"sum(up) by", "1:11: parse error: unexpected end of input in grouping opts, expected \"(\""},
    {"up == ", "1:7: parse error: unexpected end of input"},
    {"rate()", "1:1: parse error: expected 1 argument(s) in call to \"rate\", got 0"},
    {"abs(up, up)", "1:1: parse error: expected 1 argument(s) in call to \"abs\", got 2"},
    {"up[]", "1:4: parse error: missing unit character in duration"},
    {"\"foo", "1:1: parse error: unterminated quoted string"},
    {"up @", "1:5: parse error: unexpected end of input in @, expected timestamp"},
    {"sum without", "1:12: parse error: unexpected end of input in grouping opts, expected \"(\""},
    {"1 + \"a\"", "1:5: parse error: binary expression must contain only scalar and instant vector types"},
    {"histogram_quantile(0.9)",
     "1:1: parse error: expected 2 argument(s) in call to \"histogram_quantile\", got 1"},
    {"-", "1:2: parse error: unexpected end of input"},
    {"avg(up", "1:7: parse error: unclosed left parenthesis"},
    {"foo(1)", "1:1: parse error: unknown function with name \"foo\""},
    {"sum(up)(", "1:8: parse error: unexpected \"(\""},
    {"up{,}", "1:4: parse error: unexpected \",\" in label matching, expected identifier or \"}\""},
    {"x{a=\"b\"}[5m", "1:12: parse error: unclosed left bracket"},
    {"(up", "1:4: parse error: unclosed left parenthesis"},
    {"up)", "1:4: parse error: unexpected right parenthesis ')'"},
    {"((up)", "1:6: parse error: unclosed left parenthesis"},
    {"up and", "1:7: parse error: unexpected end of input"},
    {"1 + on", "1:7: parse error: unexpected end of input in grouping opts, expected \"(\""},
    {"1 + foo[5m]", "1:5: parse error: binary expression must contain only scalar and instant vector types"},
    {"sum(rate(up[5m])", "1:17: parse error: unclosed left parenthesis"},
    {"rate(up[5m])[5m]", "1:13: parse error: ranges only allowed for vector selectors"},
    {"up[5m] offset 1m [1m]", "1:18: parse error: ranges only allowed for vector selectors"},
    {"topk(3)",
     "1:1: parse error: wrong number of arguments for aggregate expression provided, expected 2, got 1"},
    {"1x", "1:1: parse error: bad number or duration syntax: \"1\""},
    {"sum by (a) avg(up)", "1:12: parse error: unexpected <aggr:avg> in aggregation"},
    {"label_replace(up, \"a\")",
     "1:1: parse error: expected 5 argument(s) in call to \"label_replace\", got 2"},
    {"up[1y2]", "1:4: parse error: bad duration syntax: \"1y2\""},
    {"foo{a!~\"a**\"}", "1:5: parse error: error parsing regexp: invalid nested repetition operator: `**`"},
    {"foo{a=~\"[z-a]\"}", "1:5: parse error: error parsing regexp: invalid character class range: `z-a`"},
};

TEST(PromqlParser, Errors) {
  for (const auto& c : kInvalid) {
    auto e = ParseExpr(c.input);
    ASSERT_FALSE(e.ok()) << c.input << " parsed as " << (*e)->String();
    EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
    std::string want = c.error, got(e.status().message());
    if (want.ends_with("...")) {
      want.resize(want.size() - 3);
      got = got.substr(0, want.size());
    }
    EXPECT_EQ(got, want) << c.input;
  }
}

// Keywords other than on, ignoring, group_left, group_right and bool name a metric where an expression
// starts (Prometheus 2.42 answers `by`, `sum`, `offset` and `1 + and` as selectors).
TEST(PromqlParser, KeywordsAsMetricNames) {
  for (const char* q : {"by", "sum", "offset", "and", "without", "1 + by", "avg(by)", "sum + 1"}) {
    auto e = ParseExpr(q);
    ASSERT_TRUE(e.ok()) << q << ": " << e.status();
  }
  auto e = ParseExpr("1 + by");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->rhs->kind, ExprKind::kVectorSelector);
  EXPECT_EQ((*e)->rhs->name, "by");
  for (const char* q : {"bool", "on", "ignoring", "group_left", "group_right"}) {
    EXPECT_FALSE(ParseExpr(q).ok()) << q;
  }
}

TEST(PromqlParser, DeepNestingIsRefusedNotCrashing) {
  std::string deep(100000, '(');
  auto e = ParseExpr(deep + "1" + std::string(100000, ')'));
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("expression nested too deeply"), std::string::npos);
  std::string chain = "1";
  for (int i = 0; i < 100000; ++i) chain += " + 1";
  e = ParseExpr(chain);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("expression nested too deeply"), std::string::npos);
  std::string minus(100000, '-');
  EXPECT_FALSE(ParseExpr(minus + "foo").ok());
  EXPECT_TRUE(ParseExpr(std::string(100, '(') + "1" + std::string(100, ')')).ok());
}

// Every prefix and many single-byte mutations of the valid queries: errors, never a crash.
TEST(PromqlParser, MutationsNeverCrash) {
  const char kBytes[] = "(){}[],:@=!~+-*/%^<>\"'`# \n\\0a5.xe_";
  for (const auto& c : kValid) {
    std::string q = c.input;
    for (size_t i = 0; i <= q.size(); ++i) {
      (void)ParseExpr(q.substr(0, i));
      for (size_t b = 0; b + 1 < sizeof(kBytes); b += 3) {
        std::string m = q;
        if (i < m.size()) {
          m[i] = kBytes[(b + i) % (sizeof(kBytes) - 1)];
        } else {
          m += kBytes[b];
        }
        auto e = ParseExpr(m);
        if (e.ok()) (void)ParseExpr((*e)->String());
      }
    }
  }
}

TEST(PromqlParser, DurationsAndNumbers) {
  EXPECT_EQ(ParseDuration("1h30m"), 5400000);
  EXPECT_EQ(ParseDuration("1y2w3d4h5m6s7ms"),
            31536000000 + 1209600000 + 259200000 + 14400000 + 300000 + 6007);
  EXPECT_EQ(ParseDuration("0"), 0);
  EXPECT_FALSE(ParseDuration("5m1h"));
  EXPECT_FALSE(ParseDuration("5"));
  EXPECT_FALSE(ParseDuration(""));
  EXPECT_EQ(FormatDuration(0), "0s");
  EXPECT_EQ(FormatDuration(90061001), "1d1h1m1s1ms");
  EXPECT_EQ(FormatNumber(0.1), "0.1");
  EXPECT_EQ(FormatNumber(0.0001), "0.0001");
  EXPECT_EQ(FormatNumber(0.00001), "1e-05");
  EXPECT_EQ(FormatNumber(-2.5), "-2.5");
}

TEST(PromqlFunctions, Registration) {
  EXPECT_NE(LookupFunction("rate"), nullptr);
  EXPECT_EQ(LookupFunction("rate")->arg_types[0], ValueType::kMatrix);
  EXPECT_EQ(RegisterFunction({"rate", {ValueType::kMatrix}, 0, ValueType::kVector}).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(RegisterFunction({"histogram_count", {ValueType::kVector}, 0, ValueType::kVector}).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(RegisterFunction({"bad-name", {ValueType::kVector}, 0, ValueType::kVector}).code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(
      RegisterFunction({"test_forecast", {ValueType::kMatrix, ValueType::kScalar}, 0, ValueType::kVector})
          .ok());
  EXPECT_EQ(RegisterFunction({"test_forecast", {ValueType::kVector}, 0, ValueType::kVector}).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(IsPrometheusFunction("rate"));
  EXPECT_FALSE(IsPrometheusFunction("test_forecast"));
  auto e = ParseExpr("test_forecast(foo[1h], 300)");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ((*e)->String(), "test_forecast(foo[1h], 300)");
  auto bad = ParseExpr("test_forecast(foo, 300)");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(
      bad.status().message(),
      "1:15: parse error: expected type range vector in call to function \"test_forecast\", got instant "
      "vector");
}

}  // namespace
}  // namespace foresight::query::promql
