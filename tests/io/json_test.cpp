// Tests of json_value: parse/dump round trips (escapes, Unicode, exact doubles, 64-bit integers),
// the accessors, parse errors with their positions, and the file helpers.
#include <spiketorch/io/json.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using spiketorch::json_value;

TEST_CASE("json parse/dump round trip of a nested document", "[json]") {
  const std::string text = R"({"format": "x", "n": 100, "neg": -7, "f": 0.5, "t": true,
    "nil": null, "list": [1, 2.25, "s", [], {}, [false]], "obj": {"a": {"b": [1e-3]}}})";
  const json_value v = json_value::parse(text);
  REQUIRE(v.is_object());
  CHECK(v.at("format").as_string() == "x");
  CHECK(v.at("n").is_integer());
  CHECK(v.at("n").as_int() == 100);
  CHECK(v.at("neg").as_int() == -7);
  CHECK(v.at("f").as_double() == 0.5);
  CHECK_FALSE(v.at("f").is_integer());
  CHECK(v.at("t").as_bool());
  CHECK(v.at("nil").is_null());
  CHECK(v.at("list").size() == 6);
  CHECK(v.at("list").at(1).as_double() == 2.25);
  CHECK(v.at("obj").at("a").at("b").at(0).as_double() == 0.001);

  for (int indent : {-1, 0, 2, 4}) {
    const std::string out = v.dump(indent);
    CHECK(json_value::parse(out) == v);
  }
  // Member order is kept as written.
  CHECK(v.dump().rfind(R"({"format":"x","n":100,"neg":-7,"f":0.5,"t":true,"nil":null,)", 0) == 0);
  CHECK(json_value::parse("[1, 2]").dump(2) == "[1, 2]");
  CHECK(json_value::parse(R"({"a":[1]})").dump(2) == "{\n  \"a\": [1]\n}");
  CHECK(json_value::parse("  {}  ").dump() == "{}");
}

TEST_CASE("json strings: escapes and Unicode round trip", "[json]") {
  const std::string nasty = std::string("quote\" backslash\\ slash/ \b\f\n\r\t ctrl") + '\x01' +
                            '\x1f' + " caf\xc3\xa9 \xf0\x9f\x98\x80";
  const json_value v(nasty);
  const std::string out = v.dump();
  CHECK(out.find("\\u0001") != std::string::npos);
  CHECK(out.find("\\u001f") != std::string::npos);
  CHECK(out.find('\n') == std::string::npos);
  CHECK(json_value::parse(out).as_string() == nasty);

  CHECK(json_value::parse(R"("\u00e9\u20ac\ud83d\ude00\/")").as_string() ==
        "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80/");
  // Keys are escaped too.
  json_value o;
  o["a\"b"] = 1;
  CHECK(json_value::parse(o.dump()).at("a\"b").as_int() == 1);
}

TEST_CASE("json numbers round trip exactly", "[json]") {
  const double values[] = {0.1,
                           -0.0,
                           1.0 / 3.0,
                           3.141592653589793,
                           1e-300,
                           5e-324,
                           std::numeric_limits<double>::max(),
                           std::numeric_limits<double>::min(),
                           123456789012345678.0,
                           1.0,
                           -2.0};
  for (double d : values) {
    const json_value back = json_value::parse(json_value(d).dump());
    CHECK_FALSE(back.is_integer());  // a double stays a double, even when integral
    CHECK(back.as_double() == d);
    CHECK(std::signbit(back.as_double()) == std::signbit(d));
  }
  CHECK(json_value(0.1).dump() == "0.1");
  CHECK(json_value(1.0).dump() == "1.0");
  CHECK(json_value(0.1f).as_double() == static_cast<double>(0.1f));

  std::mt19937_64 rng(42);
  for (int i = 0; i < 2000; ++i) {
    std::uint64_t bits = rng();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    if (!std::isfinite(d)) continue;
    CHECK(json_value::parse(json_value(d).dump()).as_double() == d);
  }

  for (std::int64_t i :
       {std::int64_t{0}, std::int64_t{-1}, std::numeric_limits<std::int64_t>::max(),
        std::numeric_limits<std::int64_t>::min()}) {
    const json_value back = json_value::parse(json_value(i).dump());
    REQUIRE(back.is_integer());
    CHECK(back.as_int() == i);
  }
  // Beyond int64: kept as a double rather than rejected.
  CHECK(json_value::parse("18446744073709551616").as_double() == 18446744073709551616.0);
  CHECK(json_value::parse("-1.5E+2").as_double() == -150.0);
  CHECK(json_value::parse("7").as_double() == 7.0);  // integers read as doubles on request

  // JSON has no NaN or infinity: they are written as null so the file stays valid.
  CHECK(json_value(std::numeric_limits<double>::quiet_NaN()).dump() == "null");
  CHECK(json_value(std::numeric_limits<double>::infinity()).dump() == "null");
  REQUIRE_THROWS_AS(json_value(std::numeric_limits<std::uint64_t>::max()),
                    spiketorch::invalid_argument);
}

TEST_CASE("json building and accessors", "[json]") {
  json_value v;
  v["name"] = "run-1";
  v["accuracy"] = 0.9125;
  v["epochs"] = 3;
  v["ok"] = true;
  v["per_class"].push_back(1);
  v["per_class"].push_back(2);
  v["name"] = "run-2";  // replaces, keeps position
  CHECK(v.size() == 5);
  CHECK(v.dump() == R"({"name":"run-2","accuracy":0.9125,"epochs":3,"ok":true,"per_class":[1,2]})");
  CHECK(v.contains("ok"));
  CHECK_FALSE(v.contains("missing"));
  CHECK(v.find("missing") == nullptr);

  REQUIRE_THROWS_AS(v.at("missing"), spiketorch::invalid_argument);
  REQUIRE_THROWS_WITH(v.at("name").as_int(), Contains("expected integer") && Contains("string"));
  REQUIRE_THROWS_AS(v.at("per_class").at(2), spiketorch::invalid_argument);
  REQUIRE_THROWS_AS(json_value(1).size(), spiketorch::invalid_argument);
  CHECK(json_value::make_array().dump(2) == "[]");
  CHECK(json_value::make_object().dump(2) == "{}");
}

TEST_CASE("json parse errors say what and where", "[json]") {
  const char* bad[] = {"",
                       "[1, 2",
                       "[1, 2,]",
                       "{\"a\": 1,}",
                       "{\"a\" 1}",
                       "{a: 1}",
                       "'single'",
                       "\"unterminated",
                       "01",
                       "1.",
                       "-",
                       "1e",
                       "tru",
                       "nul",
                       "[1] 2",
                       "\"\\x\"",
                       "\"\\u12\"",
                       "\"\\ud800\"",
                       "\"tab\there\"",
                       "+1",
                       "{\"a\":1,\"a\":2}",
                       "NaN"};
  for (const char* text : bad) {
    INFO("input: " << text);
    REQUIRE_THROWS_AS(json_value::parse(text), spiketorch::invalid_argument);
  }
  REQUIRE_THROWS_WITH(json_value::parse("{\n  \"a\": tru\n}"),
                      Contains("line 2") && Contains("column 8"));
  REQUIRE_THROWS_WITH(json_value::parse("{\"a\":1,\"a\":2}"), Contains("duplicate key \"a\""));
  REQUIRE_THROWS_WITH(json_value::parse(std::string(100000, '[')), Contains("nesting"));
}

TEST_CASE("save_json/load_json", "[json]") {
  static std::atomic<int> counter{0};
  const fs::path dir =
      fs::temp_directory_path() / ("spiketorch-json-" + std::to_string(std::random_device{}()) +
                                   "-" + std::to_string(counter++));
  fs::create_directories(dir);
  json_value v;
  v["x"] = 1.5;
  v["list"] = json_value::array_type{json_value(1), json_value("two")};
  spiketorch::save_json(dir / "r.json", v);
  CHECK_FALSE(fs::exists(dir / "r.json.tmp"));
  CHECK(spiketorch::load_json(dir / "r.json") == v);

  {
    std::ofstream out(dir / "broken.json");
    out << "{\"x\": [1, 2}";
  }
  REQUIRE_THROWS_AS(spiketorch::load_json(dir / "broken.json"), spiketorch::io_error);
  REQUIRE_THROWS_WITH(spiketorch::load_json(dir / "broken.json"),
                      Contains("broken.json") && Contains("line 1"));
  REQUIRE_THROWS_WITH(spiketorch::load_json(dir / "absent.json"), Contains("absent.json"));
  fs::remove_all(dir);
}
